from flask import Blueprint

bp = Blueprint("events_manage", __name__, url_prefix="/manage/meetings")
