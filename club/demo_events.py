"""Demo club meetings: two that took place (with check-ins, no-shows, points and
ratings), upcoming ones with free seats, one full with a waitlist, a webinar, and a draft
for next quarter. Everything goes through the real services, in simulated time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.languages import club_language
from club.core.periods import club_today
from club.events import services
from club.events.services import MeetingData, SpeakerData
from club.members.models import Company, MembershipStatus, User

# Each meeting's title, theme and description in the club's three languages.
TEXTS = {
    "breakfast": {
        "pl": (
            "Śniadanie biznesowe: panele LED w biurach",
            "Jak sprzedać modernizację oświetlenia biura",
            "Poranne spotkanie przy kawie: **jak policzyć klientowi zwrot z wymiany świetlówek "
            "na panele LED**, jakie pytania zadają zarządcy budynków i jak odpowiadać na nie "
            "konkretnie. Po prezentacji rozmowy przy stolikach.\n\n"
            "- 8:30 kawa i networking\n- 9:00 prezentacja i przykłady z biur\n- 10:00 rozmowy",
        ),
        "en": (
            "Business breakfast: LED panels in offices",
            "How to sell an office lighting upgrade",
            "A morning meeting over coffee: **how to work out a client's return on replacing "
            "fluorescent tubes with LED panels**, what building managers ask and how to answer "
            "them concretely. Table talks after the presentation.\n\n"
            "- 8:30 coffee and networking\n- 9:00 presentation and office examples\n"
            "- 10:00 talks",
        ),
        "ru": (
            "Бизнес-завтрак: светодиодные панели в офисах",
            "Как продать модернизацию освещения офиса",
            "Утренняя встреча за кофе: **как посчитать клиенту окупаемость замены "
            "люминесцентных ламп на светодиодные панели**, какие вопросы задают управляющие "
            "зданиями и как на них отвечать. После презентации — разговоры за столиками.\n\n"
            "- 8:30 кофе и знакомства\n- 9:00 презентация и примеры из офисов\n"
            "- 10:00 разговоры",
        ),
    },
    "evening": {
        "pl": (
            "Wieczór klubowy: oświetlenie awaryjne bez niespodzianek",
            "Normy, autonomia i autotest",
            "Kolacja i rozmowa o tym, **jak przechodzić kontrole straży pożarnej** bez "
            "przeróbek: czego wymagają normy, jak wybrać autonomię 1 lub 3 godzin i po co "
            "autotest.",
        ),
        "en": (
            "Club evening: emergency lighting without surprises",
            "Standards, autonomy and self-testing",
            "Dinner and a talk on **how to pass fire inspections** without rework: what the "
            "standards require, how to choose 1 or 3 hours of autonomy and why self-testing "
            "matters.",
        ),
        "ru": (
            "Вечер клуба: аварийное освещение без сюрпризов",
            "Нормы, автономность и самотестирование",
            "Ужин и разговор о том, **как проходить проверки пожарного надзора** без "
            "переделок: что требуют нормы, как выбрать автономность 1 или 3 часа и "
            "зачем нужен самотест.",
        ),
    },
    "academy": {
        "pl": (
            "Akademia Klubu: oświetlenie sklepów i ekspozycji",
            "Szynoprzewody, kąty świecenia i CRI w handlu",
            "Całodniowe warsztaty praktyczne dla handlowców i instalatorów. "
            "Przyniesiecie rzut sklepu klienta, wyjdziecie z gotową propozycją.",
        ),
        "en": (
            "Club Academy: lighting for shops and displays",
            "Track systems, beam angles and CRI in retail",
            "A full-day practical workshop for sales staff and installers. "
            "Bring a client's shop floor plan and leave with a ready proposal.",
        ),
        "ru": (
            "Академия клуба: освещение магазинов и витрин",
            "Шинопроводы, углы свечения и CRI в торговле",
            "Однодневный практический семинар для продавцов и монтажников. "
            "Принесите план магазина клиента и уйдите с готовым предложением.",
        ),
    },
    "gdansk": {
        "pl": ("Wieczór klubowy w Gdańsku", "Rejs po Motławie i kolacja", ""),
        "en": ("Club evening in Gdańsk", "A cruise on the Motława and dinner", ""),
        "ru": ("Вечер клуба в Гданьске", "Прогулка по Мотлаве и ужин", ""),
    },
    "webinar": {
        "pl": (
            "Webinar: DALI i inteligentne sterowanie oświetleniem",
            "Co instalator musi wiedzieć w 2027 roku",
            "",
        ),
        "en": (
            "Webinar: DALI and smart lighting controls",
            "What installers need to know in 2027",
            "",
        ),
        "ru": (
            "Вебинар: DALI и умное управление освещением",
            "Что нужно знать монтажнику в 2027 году",
            "",
        ),
    },
}
# Not yet translated into one language (Russian, or English when the club writes in
# Russian): its readers see the club language's text, marked "shown in ...".
PARTLY_TRANSLATED = "webinar"

WARSAW = "Europe/Warsaw"
MOSCOW = "Europe/Moscow"


def _data(*, day: date, start: time, hours: float, zone: str, texts: str, **fields) -> MeetingData:
    starts = datetime.combine(day, start)
    written = {
        language: {"title": title, "theme": theme, "description": description}
        for language, (title, theme, description) in TEXTS[texts].items()
    }
    if texts == PARTLY_TRANSLATED:
        del written[next(lang for lang in ("ru", "en") if lang != club_language())]
    values = {
        **written[club_language()],
        "texts": written,
        "place": "",
        "online_url": "",
        "seats_per_company": None,
        "audience": "members",
        "min_tier_id": None,
        "invited_company_ids": [],
        "registration_opens_at": None,
        "registration_closes_at": None,
        "speakers": [],
    }
    values.update(fields)
    # By name: written when the club's language is known (in the app), not at import.
    values["speakers"] = [_speaker(name) for name in values["speakers"]]
    return MeetingData(
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        timezone=zone,
        **values,
    )


# Each speaker's role and short bio in the club's languages (the academy's speaker is
# not yet translated into one of them: its readers see the club language's, marked).
SPEAKERS = {
    "Katarzyna Wiśniewska": {
        "pl": ("Kierownik klubu", "Prowadzi klub partnerów od jego założenia."),
        "en": ("Club manager", "Has run the partner club since it was founded."),
        "ru": ("Руководитель клуба", "Ведёт партнёрский клуб с момента его основания."),
    },
    "Marek Zieliński": {
        "pl": ("Projektant oświetlenia", "Od 15 lat projektuje oświetlenie biur."),
        "en": ("Lighting designer", "Has designed office lighting for 15 years."),
        "ru": ("Светодизайнер", "15 лет проектирует освещение офисов."),
    },
    "Анна Соколова": {
        "pl": ("Menedżerka ds. partnerów", ""),
        "en": ("Partner manager", ""),
        "ru": ("Менеджер по работе с партнёрами", ""),
    },
    "Anna Nowak": {
        "pl": ("Projektantka wnętrz handlowych", "Sklepy w 12 krajach."),
        "en": ("Retail interior designer", "Shops in 12 countries."),
        "ru": ("Дизайнер торговых интерьеров", "Магазины в 12 странах."),
    },
}
PARTLY_TRANSLATED_SPEAKER = "Anna Nowak"


def _speaker(name: str) -> SpeakerData:
    """A speaker with the role and bio in the club language and the others."""
    club = club_language()
    written = dict(SPEAKERS[name])
    if name == PARTLY_TRANSLATED_SPEAKER:
        del written[next(lang for lang in ("ru", "en") if lang != club)]
    role, bio = written.pop(club)
    texts = {language: {"role": r, "bio": b} for language, (r, b) in written.items()}
    return SpeakerData(name, role, bio, texts)


BREAKFAST = {
    "texts": "breakfast",
    "format": "business_breakfast",
    "place": "Hotel Bristol, sala Malinowa\nKrakowskie Przedmieście 42/44, 00-325 Warszawa",
    "capacity": 12,
    "seats_per_company": 2,
    "attendance_points": 40,
    "speakers": ["Katarzyna Wiśniewska", "Marek Zieliński"],
}


def play_meetings(session: Session, *, manager: User, now: datetime) -> None:
    people = session.scalars(
        select(User)
        .join(Company, User.company_id == Company.id)
        .where(Company.status == MembershipStatus.MEMBER, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    polish = [person for person in people if person.company.country == "PL"]
    russian = [person for person in people if person.company.country == "RU"]
    today = club_today(now)
    breakfast = _took_place(session, manager, now, today, polish, russian)
    _planned(session, manager, now, today, polish)
    # 6. Next quarter's breakfast, copied from the last one: a draft to finish.
    services.copy_meeting(session, breakfast, actor=manager)


def _took_place(session: Session, manager: User, now: datetime, today: date, polish, russian):
    """The two meetings that took place; returns the breakfast (copied for next quarter)."""
    # 1. Last quarter's breakfast: nine came, one did not; points and ratings.
    breakfast = _create(
        session,
        manager,
        now - timedelta(days=80),
        _data(
            day=today - timedelta(days=62), start=time(8, 30), hours=2.5, zone=WARSAW, **BREAKFAST
        ),
    )
    seated = _register_all(session, breakfast, polish[:10], at=now - timedelta(days=75))
    _attend_and_close(session, manager, breakfast, seated[:-1], ratings=[5, 4, 5, 5, 3, 4])

    # 2. A club evening in Moscow six weeks ago.
    evening = _create(
        session,
        manager,
        now - timedelta(days=70),
        _data(
            day=today - timedelta(days=44),
            start=time(18, 30),
            hours=3,
            zone=MOSCOW,
            texts="evening",
            format="club_evening",
            place="Ресторан «Пушкин», Тверской бульвар 26А, Москва",
            capacity=20,
            attendance_points=50,
            speakers=["Анна Соколова"],
        ),
    )
    seated = _register_all(session, evening, russian, at=now - timedelta(days=60))
    _attend_and_close(session, manager, evening, seated, ratings=[5, 5, 4])
    return breakfast


def _planned(session: Session, manager: User, now: datetime, today: date, polish) -> None:
    """The meetings ahead: open, full with a waitlist, and a webinar."""
    # 3. The academy in twelve days: registration open, a few seats taken.
    academy = _create(
        session,
        manager,
        now - timedelta(days=20),
        _data(
            day=today + timedelta(days=12),
            start=time(10, 0),
            hours=6,
            zone=WARSAW,
            texts="academy",
            format="club_academy",
            place="Centrum Szkoleniowe Klubu\nul. Grzybowska 5A, 00-132 Warszawa",
            capacity=16,
            seats_per_company=3,
            attendance_points=80,
            speakers=["Anna Nowak"],
        ),
    )
    _register_all(session, academy, polish[2:6], at=now - timedelta(days=10))

    # 4. An evening this week that is already full, with a waitlist.
    full = _create(
        session,
        manager,
        now - timedelta(days=15),
        _data(
            day=today + timedelta(days=5),
            start=time(19, 0),
            hours=3,
            zone=WARSAW,
            texts="gdansk",
            format="club_evening",
            place="Przystań Żabi Kruk, Gdańsk",
            capacity=4,
            attendance_points=30,
        ),
    )
    _register_all(
        session,
        full,
        [p for p in polish if "zak.example" not in p.email][:6],
        at=now - timedelta(days=5),
    )

    # 5. A webinar: online, open to everyone.
    _create(
        session,
        manager,
        now - timedelta(days=3),
        _data(
            day=today + timedelta(days=8),
            start=time(11, 0),
            hours=1,
            zone=WARSAW,
            texts="webinar",
            format="webinar",
            online_url="https://meet.example.com/club-dali-webinar",
            capacity=200,
            attendance_points=20,
        ),
    )


def _create(session: Session, manager: User, at: datetime, data: MeetingData):
    meeting = services.save_meeting(session, None, data, actor=manager, now=at)
    services.publish(session, meeting, actor=manager, now=at)
    return meeting


def _register_all(session: Session, meeting, people, *, at: datetime):
    seated = []
    for index, person in enumerate(people):
        try:
            registration = services.register(
                session, meeting, person, actor=person, now=at + timedelta(minutes=7 * index)
            )
        except services.RegistrationRefused:
            continue  # the company's seats are taken
        if registration.status == "registered":
            seated.append(registration)
    return seated


def _attend_and_close(session: Session, manager: User, meeting, came, *, ratings) -> None:
    at = meeting.starts_at + timedelta(minutes=10)
    for registration in came:
        services.check_in(session, registration, actor=manager, now=at)
    services.close_meeting(session, meeting, actor=manager, now=meeting.ends_at)
    comments = ["", "Konkretnie i praktycznie.", "", "Отличная организация!", "", ""]
    for registration, stars in zip(came, ratings, strict=False):
        services.rate(
            session,
            registration,
            person=registration.user,
            rating=stars,
            comment=comments[stars % len(comments)],
            now=meeting.ends_at + timedelta(hours=20),
        )
