from flask import Blueprint

bp = Blueprint("learning_manage", __name__, url_prefix="/manage/learning")
