"""The demo catalogue: the privileges the field reports describe, and a few redemptions
in every state, so the queue, the timeline and the reports have something to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.catalog import services as catalog
from club.catalog.models import Privilege, PrivilegeKind, RedemptionStatus
from club.core.languages import club_language
from club.core.periods import club_today
from club.core.roles import Role
from club.ledger.services import wallet_to_read
from club.members.models import User

# Each privilege's title, summary and description in the club's three languages.
TEXTS = {
    "proposal": {
        "en": (
            "Commercial proposal drafting",
            "Our sales team drafts a commercial proposal for one of your key clients.",
            "You tell us the client and the need; a senior sales engineer prepares a complete "
            "proposal with product selection, prices and a cover letter in your company's "
            "name.\n\n- one proposal, up to 20 positions\n- two rounds of changes\n"
            "- delivered as an editable document",
        ),
        "pl": (
            "Przygotowanie oferty handlowej",
            "Nasz dział sprzedaży przygotuje ofertę handlową dla jednego z Twoich kluczowych "
            "klientów.",
            "Podajesz klienta i jego potrzebę; doświadczony inżynier sprzedaży przygotowuje "
            "kompletną ofertę z doborem produktów, cenami i listem przewodnim w imieniu Twojej "
            "firmy.\n\n- jedna oferta, do 20 pozycji\n- dwie rundy poprawek\n"
            "- w edytowalnym dokumencie",
        ),
        "ru": (
            "Подготовка коммерческого предложения",
            "Наш отдел продаж подготовит коммерческое предложение для одного из ваших ключевых "
            "клиентов.",
            "Вы называете клиента и его задачу; опытный инженер по продажам готовит полное "
            "предложение с подбором продукции, ценами и сопроводительным письмом от имени вашей "
            "компании.\n\n- одно предложение, до 20 позиций\n- два круга правок\n"
            "- в редактируемом документе",
        ),
    },
    "copywriting": {
        "en": (
            "Copywriting for your web site",
            "Product texts or a landing page written by a professional copywriter.",
            "Texts that sell our products on your site, written for your customers and "
            "checked for SEO.",
        ),
        "pl": (
            "Teksty na Twoją stronę internetową",
            "Opisy produktów lub strona docelowa napisane przez zawodowego copywritera.",
            "Teksty, które sprzedają nasze produkty na Twojej stronie, pisane dla Twoich "
            "klientów i sprawdzone pod kątem SEO.",
        ),
        "ru": (
            "Тексты для вашего сайта",
            "Описания товаров или посадочная страница от профессионального копирайтера.",
            "Тексты, которые продают нашу продукцию на вашем сайте, написаны для ваших "
            "покупателей и проверены на SEO.",
        ),
    },
    "research": {
        "en": (
            "Online marketing research",
            "What your customers search for and how your competitors answer it.",
            "",
        ),
        "pl": (
            "Badanie rynku online",
            "Czego szukają Twoi klienci i jak odpowiada na to konkurencja.",
            "",
        ),
        "ru": (
            "Онлайн-исследование рынка",
            "Что ищут ваши клиенты и как на это отвечают конкуренты.",
            "",
        ),
    },
    "seo": {
        "en": (
            "SEO for your web site",
            "A technical audit and three months of search optimisation.",
            "",
        ),
        "pl": (
            "SEO dla Twojej strony",
            "Audyt techniczny i trzy miesiące optymalizacji pod wyszukiwarki.",
            "",
        ),
        "ru": (
            "SEO для вашего сайта",
            "Технический аудит и три месяца поисковой оптимизации.",
            "",
        ),
    },
    "training": {
        "en": (
            "Sales training for your team",
            "A one-day workshop on selling our product lines, at your premises.",
            "",
        ),
        "pl": (
            "Szkolenie sprzedażowe dla Twojego zespołu",
            "Jednodniowe warsztaty ze sprzedaży naszych linii produktów, w Twojej firmie.",
            "",
        ),
        "ru": (
            "Тренинг по продажам для вашей команды",
            "Однодневный семинар по продажам наших линеек продукции, у вас в офисе.",
            "",
        ),
    },
    "photography": {
        "en": (
            "Product photography for your catalogue",
            "Up to 30 studio photos of the products you sell, with usage rights.",
            "",
        ),
        "pl": (
            "Zdjęcia produktów do Twojego katalogu",
            "Do 30 zdjęć studyjnych sprzedawanych przez Ciebie produktów, z prawami do użycia.",
            "",
        ),
        "ru": (
            "Фотосъёмка продукции для вашего каталога",
            "До 30 студийных фотографий продаваемых вами товаров, с правами на использование.",
            "",
        ),
    },
    "fair": {
        "en": (
            "Trip to Light + Building, Frankfurt",
            "Two days at the international trade fair with the supplier's team.",
            "",
        ),
        "pl": (
            "Wyjazd na targi Light + Building we Frankfurcie",
            "Dwa dni na międzynarodowych targach razem z zespołem dostawcy.",
            "",
        ),
        "ru": (
            "Поездка на выставку Light + Building во Франкфурт",
            "Два дня на международной выставке вместе с командой поставщика.",
            "",
        ),
    },
    "voucher": {
        "en": (
            "E-voucher 200 PLN",
            "A voucher for a popular online shop: the code comes by e-mail and on the "
            "redemption page.",
            "",
        ),
        "pl": (
            "E-bon 200 PLN",
            "Bon do popularnego sklepu internetowego: kod przychodzi e-mailem i jest na "
            "stronie zamówienia.",
            "",
        ),
        "ru": (
            "Электронный сертификат на 200 PLN",
            "Сертификат популярного интернет-магазина: код приходит по электронной почте и "
            "виден на странице заказа.",
            "",
        ),
    },
    "polo": {
        "en": (
            "Club polo shirt",
            "A branded polo shirt for your shop team, delivered by courier.",
            "",
        ),
        "pl": (
            "Koszulka polo klubu",
            "Firmowa koszulka polo dla zespołu Twojego sklepu, dostarczona kurierem.",
            "",
        ),
        "ru": (
            "Клубная рубашка-поло",
            "Фирменная рубашка-поло для команды вашего магазина, доставка курьером.",
            "",
        ),
    },
    "rebate": {
        "en": (
            "Post-sale rebate 500 PLN",
            "Points turned into a credit on your next invoice.",
            "",
        ),
        "pl": (
            "Rabat posprzedażowy 500 PLN",
            "Punkty zamienione na uznanie na Twojej następnej fakturze.",
            "",
        ),
        "ru": (
            "Скидка после продажи 500 PLN",
            "Баллы превращаются в кредит по вашему следующему счёту.",
            "",
        ),
    },
    "google": {
        "en": (
            "Google Business profile set-up",
            "Your company's Google Business profile set up and its first photos posted, so "
            "local customers find you (pilot group).",
            "",
        ),
        "pl": (
            "Założenie profilu Google Business",
            "Konfiguracja profilu Twojej firmy w Google Business i pierwsze zdjęcia, żeby "
            "lokalni klienci Cię znaleźli (grupa pilotażowa).",
            "",
        ),
        "ru": (
            "Настройка профиля Google Business",
            "Профиль вашей компании в Google Business и первые фотографии, чтобы местные "
            "покупатели вас находили (пилотная группа).",
            "",
        ),
    },
}

PRIVILEGES = [
    # key of TEXTS, category, points, money value, lead days, extra fields
    (
        "proposal",
        "sales",
        1500,
        "2400.00",
        14,
        {
            "brief": [
                {"key": "client", "label": "The client (company and industry)", "type": "text"},
                {"key": "need", "label": "What the client needs", "type": "textarea"},
                {"key": "deadline", "label": "When you need it", "type": "date"},
            ],
        },
    ),
    (
        "copywriting",
        "marketing",
        900,
        "1200.00",
        10,
        {
            "brief": [
                {"key": "site", "label": "Your web site", "type": "url"},
                {"key": "topic", "label": "Topic", "type": "text"},
                {"key": "words", "label": "Length in words", "type": "number", "required": False},
            ],
            "sponsor": "LuxLight S.A.",
            "sponsor_share_percent": 30,
        },
    ),
    (
        "research",
        "marketing",
        1200,
        "1800.00",
        21,
        {"brief": [{"key": "market", "label": "Region and customer group", "type": "text"}]},
    ),
    (
        "seo",
        "marketing",
        2000,
        "3000.00",
        30,
        {
            "brief": [{"key": "site", "label": "Your web site", "type": "url"}],
            "capacity_per_quarter": 5,
        },
    ),
    (
        "training",
        "training",
        2500,
        "4000.00",
        30,
        {
            "brief": [
                {"key": "people", "label": "How many people", "type": "number"},
                {"key": "city", "label": "Where", "type": "text"},
            ],
            "capacity_per_quarter": 3,
        },
    ),
    (
        "photography",
        "marketing",
        1000,
        "1500.00",
        14,
        {
            "brief": [{"key": "products", "label": "Which products", "type": "textarea"}],
            "sponsor": "LuxLight S.A.",
            "sponsor_share_percent": 50,
        },
    ),
    (
        "fair",
        "travel",
        9000,
        "9500.00",
        45,
        {
            "brief": [
                {
                    "key": "traveller",
                    "label": "Traveller's full name (as in the passport)",
                    "type": "text",
                },
                {"key": "dates", "label": "Preferred dates", "type": "text"},
            ],
            "stock": 4,
        },
    ),
    (
        "voucher",
        "vouchers",
        400,
        "200.00",
        2,
        {"brief": [], "kind": PrivilegeKind.E_VOUCHER, "pool_threshold": 3},
    ),
    (
        "polo",
        "marketing",
        350,
        "120.00",
        10,
        {
            "brief": [],
            "kind": PrivilegeKind.GOOD,
            "variants": [("S", 5), ("M", 10), ("L", 10), ("XL", 5)],
            "weight_grams": 300,
            "parcel_size": "S",
        },
    ),
    (
        "rebate",
        "rebates",
        1000,
        "500.00",
        7,
        {
            "brief": [
                {
                    "key": "note",
                    "label": "Invoice note (optional)",
                    "type": "text",
                    "required": False,
                }
            ],
        },
    ),
    (
        # Tried with the pilot group before it goes to every member.
        "google",
        "marketing",
        600,
        "700.00",
        7,
        {
            "brief": [{"key": "address", "label": "Shop or showroom address", "type": "text"}],
            "is_pilot_only": True,
        },
    ),
]


# Not yet translated into one language (Russian, or English when the club writes in
# Russian): its readers see the club language's text, marked "shown in ...".
PARTLY_TRANSLATED = "google"


def _texts(key: str) -> dict[str, dict[str, str]]:
    texts = {
        language: {"title": title, "summary": summary, "description": description}
        for language, (title, summary, description) in TEXTS[key].items()
    }
    if key == PARTLY_TRANSLATED:
        del texts[next(lang for lang in ("ru", "en") if lang != club_language())]
    return texts


# The brief questions in the other languages, by their English text.
QUESTION_LABELS = {
    "The client (company and industry)": (
        "Klient (firma i branża)",
        "Клиент (компания и отрасль)",
    ),
    "What the client needs": ("Czego potrzebuje klient", "Что нужно клиенту"),
    "When you need it": ("Na kiedy tego potrzebujesz", "К какому сроку это нужно"),
    "Your web site": ("Twoja strona internetowa", "Ваш сайт"),
    "Topic": ("Temat", "Тема"),
    "Length in words": ("Długość w słowach", "Объём в словах"),
    "Region and customer group": ("Region i grupa klientów", "Регион и группа клиентов"),
    "How many people": ("Ile osób", "Сколько человек"),
    "Where": ("Gdzie", "Где"),
    "Which products": ("Które produkty", "Какие товары"),
    "Traveller's full name (as in the passport)": (
        "Imię i nazwisko podróżnego (jak w paszporcie)",
        "Полное имя путешественника (как в паспорте)",
    ),
    "Preferred dates": ("Preferowane terminy", "Желаемые даты"),
    "Invoice note (optional)": (
        "Uwaga na fakturze (opcjonalnie)",
        "Примечание к счёту (необязательно)",
    ),
    "Shop or showroom address": ("Adres sklepu lub salonu", "Адрес магазина или салона"),
}
# Not yet translated into one language: its readers see the club language's, marked.
PARTLY_TRANSLATED_QUESTION = "Shop or showroom address"


def _brief(questions: list[dict]) -> list[dict]:
    """The questions with their label in English, Polish and Russian."""
    brief = []
    for question in questions:
        english = question["label"]
        polish, russian = QUESTION_LABELS[english]
        labels = {"en": english, "pl": polish, "ru": russian}
        if english == PARTLY_TRANSLATED_QUESTION:
            del labels[next(lang for lang in ("ru", "en") if lang != club_language())]
        brief.append({**{k: v for k, v in question.items() if k != "label"}, "labels": labels})
    return brief


def load_catalogue(session: Session, *, manager: User, now: datetime) -> list[Privilege]:
    made = []
    for key, category, points, value, lead, extra in PRIVILEGES:
        fields = dict(extra)
        fields["brief"] = _brief(fields.get("brief", []))
        fields["texts"] = _texts(key)
        made.append(
            catalog.save_privilege(
                session,
                None,
                actor=manager,
                now=now - timedelta(days=300),
                category=category,
                points_cost=points,
                money_value=Decimal(value),
                lead_time_days=lead,
                **fields,
            )
        )
    for privilege in made:
        if privilege.kind == PrivilegeKind.E_VOUCHER:
            load_codes(session, privilege, manager=manager, now=now)
    return made


DEMO_CODES = 8
DEMO_ADDRESS = catalog.Delivery(
    "Hurtownia Żak\nul. Przemysłowa 12\n05-800 Pruszków", "+48 600 100 200"
)


def load_codes(session: Session, privilege: Privilege, *, manager: User, now: datetime) -> None:
    """The e-voucher's pool, uploaded as the club manager would (a CSV file)."""
    until = (club_today(now) + timedelta(days=365)).isoformat()
    rows = [
        f"SHOP200-{1000 + n}-{(n * 7919) % 10000:04d},{1000 + n},200.00,{until}"
        for n in range(DEMO_CODES)
    ]
    data = ("code,pin,value,expiry\n" + "\n".join(rows) + "\n").encode()
    catalog.load_pool(session, privilege, data, actor=manager, now=now - timedelta(days=90))


def play_redemptions(
    session: Session, privileges: list[Privilege], *, manager: User, now: datetime
) -> None:
    """A handful of redemptions by the richest account holders, in every state."""
    by_title = {privilege.text_in("en")["title"]: privilege for privilege in privileges}
    holders = session.scalars(select(User).where(User.role == Role.ACCOUNT_HOLDER)).all()
    answers = {
        "client": "Hotel Zamek, hospitality",
        "need": "Lighting for 120 rooms",
        "deadline": (club_today(now) + timedelta(days=20)).isoformat(),
        "site": "https://example.com",
        "topic": "LED panels for offices",
        "products": "LED panels, track lights",
        "market": "Mazowsze, electrical installers",
    }
    plans = [
        (
            "Commercial proposal drafting",
            40,
            [RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED],
        ),
        # Approving an e-voucher assigns its code and fulfils it.
        ("E-voucher 200 PLN", 60, [RedemptionStatus.APPROVED]),
        ("E-voucher 200 PLN", 25, [RedemptionStatus.APPROVED]),
        (
            "Copywriting for your web site",
            20,
            [RedemptionStatus.APPROVED, RedemptionStatus.IN_PROGRESS],
        ),
        ("E-voucher 200 PLN", 10, [RedemptionStatus.REJECTED]),
        ("E-voucher 200 PLN", 1, []),
        # One polo shirt shipped with its tracking number, one waiting to be shipped.
        ("Club polo shirt", 30, [RedemptionStatus.APPROVED, "shipped"]),
        ("Club polo shirt", 3, [RedemptionStatus.APPROVED]),
    ]
    # The first demo holder's points are left untouched, for trying redemption out.
    others = [holder for holder in holders if holder.email != "holder@zak.example"]
    richest = sorted(
        others, key=lambda holder: -wallet_to_read(session, holder.company_id).available
    )
    for index, (title, days_ago, steps) in enumerate(plans):
        privilege = by_title[title]
        able = [
            holder
            for holder in richest[index % 3 :] + richest[: index % 3]
            if wallet_to_read(session, holder.company_id).available >= privilege.points_cost
        ]
        if not able:
            continue
        holder = able[0]
        when = now - timedelta(days=days_ago)
        delivery = None
        if privilege.kind == PrivilegeKind.GOOD:
            delivery = catalog.Delivery(
                DEMO_ADDRESS.address, DEMO_ADDRESS.phone, privilege.variants[1].id
            )
        redemption = catalog.redeem(
            session, privilege, actor=holder, answers=answers, delivery=delivery, now=when
        )
        _play_steps(session, redemption, steps, manager=manager, when=when)


def _play_steps(session: Session, redemption, steps, *, manager: User, when: datetime) -> None:
    """The club manager moves the redemption two days apart per step ("shipped": a good
    leaves with its tracking number)."""
    for number, step in enumerate(steps, start=1):
        moment = when + timedelta(days=2 * number)
        if step == "shipped":
            tracking = f"6200{redemption.id:06d}"
            catalog.ship(
                session,
                redemption,
                carrier="InPost",
                tracking_number=tracking,
                actor=manager,
                now=moment,
            )
            continue
        note = (
            "The budget for this quarter is used up; please try again in January."
            if step == RedemptionStatus.REJECTED
            else ""
        )
        catalog.move(session, redemption, step, actor=manager, note=note, now=moment)
