"""A realistic, deterministic demo chapter: HeForShe at UNAM, Mexico City.

``generate_demo(db, members=..., events=..., forums=..., pledges=..., seed=..., today=...)``
creates a new chapter with people (names in many languages and scripts), memberships,
officers across two academic years, events of every kind, attendance, forum sessions,
pledges, goals and an audit entry, in one write transaction: all of it or none of it.

The same ``seed`` and ``today`` give the same rows (names, UUIDs, times): everything is
drawn from ``random.Random`` and the generated dates ("now" is noon in Mexico City on
``today``); nothing reads the clock.

It scales to 100,000 members and 1,000,000 pledges.  The small things (chapter, terms,
events, officers, forums, goals) go through the ORM; people, memberships, pledges and
attendance are made in batches of :data:`BATCH` people and written with
:func:`chapter_manager.storage.bulk.bulk_insert`.  For a large demo the indexes with
keys in random order are built once at the end (:func:`~chapter_manager.storage.bulk.
deferred_indexes`) and the rows are made by a helper process while this one writes the
previous batch (see :class:`_PeopleWriter`).

All names, texts and testimonies here are invented for the demo.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import os
import pickle
import queue
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from . import jobs
from .derived import person_keys
from .i18n import _
from .models import (
    GENDER_PREFER_NOT_TO_SAY,
    AcademicTerm,
    ActionItem,
    Affiliation,
    Attendance,
    AuditAction,
    AuditEntry,
    Chapter,
    ConsentPurpose,
    ConsentStatement,
    Event,
    EventKind,
    EventStatus,
    FocusArea,
    ForumFacilitator,
    ForumFormat,
    ForumSession,
    ForumTakeaway,
    Goal,
    GoalMetric,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    Person,
    Pledge,
    RecordSource,
    Testimony,
)
from .services.consent import backfill_uuid
from .storage.bulk import RowEncoder, bulk_insert, deferred_indexes, reserve_ids
from .text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from .storage.database import Database

__all__ = ["Cancelled", "DemoSummary", "generate_demo", "DEMO_CHAPTER_NAME"]

DEMO_CHAPTER_NAME = "HeForShe UNAM (demo)"
TIMEZONE = "America/Mexico_City"
COMMITMENT_VERSION = "2024-1"
CONSENT_VERSION = "2024-1"
BATCH = 50_000  # people generated and inserted per round
_UTC = dt.UTC


class Cancelled(jobs.Cancelled):
    """The person asked to stop; nothing of the demo chapter was saved."""

    def __init__(self) -> None:
        super().__init__(_("Creating the demo chapter was cancelled; nothing was saved."))


@dataclass(frozen=True)
class DemoSummary:
    chapter_id: int
    chapter_uuid: uuid.UUID
    chapter_name: str
    people: int
    members: int
    officer_terms: int
    events: int
    attendance: int
    forums: int
    testimonies: int
    pledges: int
    goals: int


# =========================================================================== name data
# Small hand-written lists.  An entry is the name as written, or (name, ASCII form) where
# the ASCII form (for email addresses) cannot be derived by dropping accents.


@dataclass
class _Locale:
    code: str
    weight: float
    given_f: list[Any]
    given_m: list[Any]
    family_f: list[Any]
    family_m: list[Any] | None = None  # None: same as family_f
    family_first: bool = False
    two_surnames: bool = False
    lang: str = "en"
    nicknames: dict[str, str] = field(default_factory=dict)
    latin_preferred: list[str] = field(default_factory=list)
    phone: tuple[str, str, int] | None = None  # country code, first digit, digits after


_ES_F = [
    "María", "Guadalupe", "Fernanda", "Ximena", "Valeria", "Daniela", "Sofía", "Regina",
    "Andrea", "Mariana", "Camila", "Itzel", "Citlali", "Xóchitl", "Ana Paola", "María José",
    "Renata", "Paulina", "Alejandra", "Lucía", "Natalia", "Jimena", "Abril", "Dulce María",
    "Brenda", "Karla", "Montserrat", "Frida", "Araceli", "Yazmín", "Nayeli", "Mónica",
    "Verónica", "Rocío", "Itzayana", "Leticia", "Rosario", "Elena", "Carmen", "Berenice",
]
_ES_M = [
    "José", "José Luis", "Juan Pablo", "Luis Ángel", "Miguel Ángel", "Jesús", "Alejandro",
    "Diego", "Emiliano", "Santiago", "Rodrigo", "Carlos", "Eduardo", "Fernando", "Héctor",
    "Iván", "Jorge", "Óscar", "Ricardo", "Sebastián", "Tonatiuh", "Cuauhtémoc", "Uriel",
    "Saúl", "Andrés", "Raúl", "Martín", "Joaquín", "Ramón", "Israel", "Ulises", "Axel",
    "Damián", "Germán", "Francisco", "Guillermo", "Enrique", "Gerardo", "Mauricio", "Ángel",
]
_ES_FAMILY = [
    "Núñez", "Pérez", "García", "Hernández", "Martínez", "López", "González", "Rodríguez",
    "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Jiménez",
    "Reyes", "Díaz", "Torres", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno",
    "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Domínguez",
    "Ramos", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz",
    "Rojas", "Contreras", "Salazar", "Luna", "Ortega", "Cervantes", "Estrada", "Bautista",
    "Delgado", "Ibáñez", "Peña", "Cuevas", "Zúñiga", "Ávila", "Xicoténcatl", "Tlatelpa",
    "Cuautle", "Villaseñor", "Ochoa", "Quiñones", "Báez", "Mújica", "Olvera", "Sosa",
    "Solís", "Valdés", "Cárdenas", "Arriaga", "Montaño", "de la Cruz", "del Ángel",
]
_ES_NICK = {
    "Guadalupe": "Lupita", "José": "Pepe", "Jesús": "Chuy", "Francisco": "Paco",
    "Alejandro": "Alex", "Fernanda": "Fer", "María José": "Majo", "Ximena": "Xime",
    "Guillermo": "Memo", "Eduardo": "Lalo", "Enrique": "Quique", "Rosario": "Chayo",
    "Alejandra": "Ale", "José Luis": "Pepe", "Daniela": "Dani", "Sebastián": "Sebas",
}

_LOCALES = [
    _Locale("es", 0.70, _ES_F, _ES_M, _ES_FAMILY, two_surnames=True, lang="es",
            nicknames=_ES_NICK),
    _Locale(
        "en", 0.05,
        ["Emily", "Sarah", "Jessica", "Olivia", "Hannah", "Grace", "Chloe", "Megan", "Aisha"],
        ["James", "Michael", "Daniel", "Ethan", "Ryan", "Thomas", "Liam", "Noah", "Kwame"],
        ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Anderson", "Clarke", "O'Brien",
         "Murphy", "Walker", "Thompson", "Hughes", "MacDonald", "Okafor"],
        phone=("+1", "", 10),
    ),
    _Locale(
        "fr", 0.03,
        ["Amélie", "Chloé", "Léa", "Manon", "Camille", "Inès", "Zoé", "Hélène", "Maëlle"],
        ["Théo", "Léo", "Mathéo", "Clément", "Étienne", "Jérôme", "François", "Benoît", "Noël"],
        ["Lefèvre", "Dubois", "Moreau", "Girard", "Bonnet", "Fournier", "Rousseau",
         "Lemaître", "Durand", "Leroy", "Bérubé", "Gagné", "Côté"],
        lang="fr", phone=("+33", "6", 8),
    ),
    _Locale(
        "pt", 0.03,
        ["Ana Luíza", "Beatriz", "Letícia", "Conceição", "Júlia", "Gabriela", "Lívia"],
        ["João", "Gonçalo", "Luís", "Thiago", "Caio", "Vinícius", "Sérgio"],
        ["Gonçalves", "Araújo", "Magalhães", "Simões", "Ribeiro", "Carvalho", "Assunção",
         "Lourenço", "Brandão", "da Silva", "dos Santos", "Conceição"],
        lang="pt", phone=("+55", "11", 9),
    ),
    _Locale(
        "vi", 0.02,
        [("Thị Lan", "lan"), ("Thị Hương", "huong"), ("Ngọc Anh", "ngocanh"),
         ("Thu Trang", "trang"), ("Minh Châu", "chau"), ("Phương Thảo", "thao")],
        [("Văn Minh", "minh"), ("Quốc Bảo", "bao"), ("Đức Anh", "ducanh"),
         ("Hoàng Long", "long"), ("Anh Tuấn", "tuan"), ("Quang Huy", "huy")],
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"],
        family_first=True, lang="vi",
    ),
    _Locale(
        "pl", 0.02,
        ["Agnieszka", "Małgorzata", "Katarzyna", "Zofia", "Żaneta", "Joanna", "Ewa"],
        ["Łukasz", "Paweł", "Michał", "Wojciech", "Grzegorz", "Jędrzej", "Krzysztof"],
        ["Wójcik", "Kowalczyk", "Wiśniewska", "Zielińska", "Szymańska", "Dąbrowska",
         "Woźniak", "Kamińska", "Jabłońska", "Łukasiewicz"],
        ["Wójcik", "Kowalczyk", "Wiśniewski", "Zieliński", "Szymański", "Dąbrowski",
         "Woźniak", "Kamiński", "Jabłoński", "Łukasiewicz"],
        lang="pl", phone=("+48", "5", 8),
    ),
    _Locale(
        "zh", 0.03,
        [("芳", "fang"), ("秀英", "xiuying"), ("丽", "li"), ("静", "jing"), ("婷", "ting"),
         ("雪梅", "xuemei"), ("晓燕", "xiaoyan"), ("欣怡", "xinyi")],
        [("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
         ("浩然", "haoran"), ("子轩", "zixuan"), ("俊杰", "junjie")],
        [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
         ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
         ("林", "lin"), ("欧阳", "ouyang")],
        family_first=True, lang="zh", latin_preferred=["Amy", "Kevin", "Lily", "Jack", "Vivian"],
    ),
    _Locale(
        "ja", 0.01,
        [("花子", "hanako"), ("陽菜", "hina"), ("結衣", "yui"), ("美咲", "misaki"),
         ("さくら", "sakura")],
        [("翔太", "shota"), ("大輝", "daiki"), ("蓮", "ren"), ("健太", "kenta"),
         ("悠斗", "yuto")],
        [("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
         ("渡辺", "watanabe"), ("伊藤", "ito"), ("山本", "yamamoto"), ("中村", "nakamura")],
        family_first=True, lang="ja",
    ),
    _Locale(
        "ko", 0.01,
        [("지민", "jimin"), ("서연", "seoyeon"), ("민서", "minseo"), ("수빈", "subin"),
         ("하은", "haeun")],
        [("민준", "minjun"), ("서준", "seojun"), ("도윤", "doyun"), ("현우", "hyunwoo"),
         ("지호", "jiho")],
        [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung"),
         ("강", "kang"), ("조", "cho"), ("윤", "yoon")],
        family_first=True, lang="ko", latin_preferred=["Grace", "Daniel", "Jenny", "Sam"],
    ),
    _Locale(
        "hi", 0.015,
        [("प्रिया", "priya"), ("अनन्या", "ananya"), ("दीपिका", "deepika"), ("पूजा", "pooja"),
         ("कविता", "kavita"), ("स्नेहा", "sneha")],
        [("राहुल", "rahul"), ("अर्जुन", "arjun"), ("विक्रम", "vikram"), ("आदित्य", "aditya"),
         ("रोहित", "rohit"), ("अमित", "amit")],
        [("शर्मा", "sharma"), ("वर्मा", "verma"), ("गुप्ता", "gupta"), ("पटेल", "patel"),
         ("सिंह", "singh"), ("रघुनाथन", "raghunathan"), ("अय्यर", "iyer"), ("कुमार", "kumar")],
        lang="hi", phone=("+91", "9", 9),
    ),
    _Locale(
        "hi-Latn", 0.015,
        ["Priya", "Ananya", "Kavitā", "Snehā", "Lakṣmī", "Dīpikā"],
        ["Rāhul", "Arjun", "Vikram", "Āditya", "Rohit", "Sureś"],
        ["Rāghunāthan", "Śarmā", "Gupta", "Patel", "Siṃh", "Iyer", "Krishnan", "Subramaniam"],
        lang="en", phone=("+91", "9", 9),
    ),
    _Locale(
        "ar", 0.02,
        [("فاطمة", "fatima"), ("مريم", "maryam"), ("ليلى", "layla"), ("نور", "nour"),
         ("سارة", "sara"), ("ياسمين", "yasmin")],
        [("أحمد", "ahmad"), ("محمد", "mohamed"), ("علي", "ali"), ("عمر", "omar"),
         ("يوسف", "youssef"), ("خالد", "khaled")],
        [("المنصوري", "almansouri"), ("الحسن", "alhassan"), ("حداد", "haddad"),
         ("خوري", "khoury"), ("منصور", "mansour"), ("سليمان", "suleiman"), ("العلي", "alali")],
        lang="ar",
    ),
    _Locale(
        "el", 0.015,
        [("Ελένη", "eleni"), ("Μαρία", "maria"), ("Κατερίνα", "katerina"), ("Σοφία", "sofia"),
         ("Δήμητρα", "dimitra")],
        [("Γιώργος", "giorgos"), ("Νίκος", "nikos"), ("Δημήτρης", "dimitris"),
         ("Κώστας", "kostas"), ("Γιάννης", "giannis")],
        [("Παπαδοπούλου", "papadopoulou"), ("Παπαδάκη", "papadaki"), ("Γεωργίου", "georgiou"),
         ("Οικονόμου", "oikonomou"), ("Νικολάου", "nikolaou"), ("Καραγιάννη", "karagianni")],
        [("Παπαδόπουλος", "papadopoulos"), ("Παπαδάκης", "papadakis"), ("Γεωργίου", "georgiou"),
         ("Οικονόμου", "oikonomou"), ("Νικολάου", "nikolaou"), ("Καραγιάννης", "karagiannis")],
        lang="el", phone=("+30", "69", 8),
    ),
    _Locale(
        "ru", 0.02,
        [("Анна", "anna"), ("Мария", "maria"), ("Екатерина", "ekaterina"), ("Ольга", "olga"),
         ("Наталья", "natalya"), ("Дарья", "darya")],
        [("Алексей", "aleksei"), ("Дмитрий", "dmitry"), ("Иван", "ivan"), ("Сергей", "sergei"),
         ("Михаил", "mikhail"), ("Андрей", "andrei")],
        [("Иванова", "ivanova"), ("Смирнова", "smirnova"), ("Кузнецова", "kuznetsova"),
         ("Попова", "popova"), ("Соколова", "sokolova"), ("Волкова", "volkova")],
        [("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"),
         ("Попов", "popov"), ("Соколов", "sokolov"), ("Волков", "volkov")],
        lang="ru",
    ),
]

_FACULTIES: list[tuple[str, list[str]]] = [
    ("Facultad de Ingeniería", ["Ingeniería Civil", "Ingeniería en Computación",
                                "Ingeniería Mecatrónica", "Ingeniería Eléctrica Electrónica",
                                "Ingeniería Industrial"]),
    ("Facultad de Derecho", ["Derecho"]),
    ("Facultad de Ciencias", ["Matemáticas", "Física", "Biología", "Actuaría",
                              "Ciencias de la Computación"]),
    ("Facultad de Medicina", ["Médico Cirujano", "Fisioterapia"]),
    ("Facultad de Psicología", ["Psicología"]),
    ("Facultad de Filosofía y Letras", ["Filosofía", "Historia", "Letras Hispánicas",
                                        "Pedagogía", "Geografía"]),
    ("Facultad de Ciencias Políticas y Sociales", ["Relaciones Internacionales", "Sociología",
                                                   "Ciencias de la Comunicación",
                                                   "Ciencias Políticas y Administración Pública"]),
    ("Facultad de Economía", ["Economía"]),
    ("Facultad de Arquitectura", ["Arquitectura", "Urbanismo", "Diseño Industrial"]),
    ("Facultad de Química", ["Química", "Química Farmacéutica Biológica", "Ingeniería Química"]),
    ("Facultad de Contaduría y Administración", ["Administración", "Contaduría", "Informática"]),
    ("Facultad de Artes y Diseño", ["Artes Visuales", "Diseño y Comunicación Visual"]),
    ("Facultad de Música", ["Música — Instrumentista"]),
]
_STAFF_UNITS = [
    "Coordinación para la Igualdad de Género (CIGU)", "Dirección General de Bibliotecas",
    "Defensoría de los Derechos Universitarios", "Dirección General de Orientación y Atención Educativa",
    "Secretaría de Servicios a la Comunidad",
]

_GENDER_WORDS = {
    "es": ("mujer", "hombre"), "fr": ("femme", "homme"), "pt": ("mulher", "homem"),
    "en": ("woman", "man"),
}
_NONBINARY = ["non-binary", "no binarie", "agénero", "genderqueer"]
_PRONOUNS = {
    "es": ("ella", "él", "elle"), "fr": ("elle", "il", "iel"), "en": ("she/her", "he/him", "they/them"),
}

_COMMITMENTS = {
    "es": [
        "Me comprometo a intervenir cuando vea acoso en el Metro o en el Pumabús.",
        "Voy a repartir por igual las tareas de la casa con mi familia.",
        "Escucharé a mis compañeras sin interrumpir en las juntas de equipo.",
        "No voy a compartir memes ni chistes que humillen a las mujeres.",
        "Acompañaré a quien quiera denunciar, sin juzgar.",
        "Voy a nombrar el trabajo de mis compañeras cuando presentemos proyectos.",
        "Hablaré con mis amigos cuando hagan comentarios machistas.",
    ],
    "en": [
        "I will speak up when I see harassment on campus.",
        "I will share housework and care work equally.",
        "I will credit my classmates' ideas by name.",
        "I will listen first and believe people who tell me what happened to them.",
        "I will call out sexist jokes in my group chats.",
    ],
    "fr": [
        "Je m'engage à intervenir quand je vois du harcèlement.",
        "Je partagerai les tâches ménagères à parts égales.",
    ],
    "pt": [
        "Vou dividir o trabalho de casa de forma igual.",
        "Vou interromper piadas machistas no meu grupo de amigos.",
    ],
    "zh": ["我承诺在看到骚扰时站出来。", "我会和家人平等分担家务。"],
    "ja": ["ハラスメントを見たら声を上げます。"],
    "ko": ["성희롱을 보면 목소리를 내겠습니다."],
    "ar": ["أتعهد بأن أتدخل عندما أرى تحرشًا.", "سأتقاسم أعمال المنزل بالتساوي."],
    "ru": ["Я обещаю вмешиваться, когда вижу домогательства."],
    "el": ["Δεσμεύομαι να μιλάω όταν βλέπω παρενόχληση."],
    "hi": ["मैं उत्पीड़न देखने पर आवाज़ उठाऊँगा।"],
    "pl": ["Obiecuję reagować, gdy widzę molestowanie."],
    "vi": ["Tôi cam kết lên tiếng khi thấy quấy rối."],
}

_NOTES = [
    "Interesada en coordinar foros.", "Voluntario en la jornada de firmas.",
    "Prefers to be contacted by email.", "Apoya con diseño gráfico para redes.",
    "Puede traducir materiales al inglés.",
]

# --------------------------------------------------------------------------- events

_EVENT_CYCLE = [
    EventKind.PLEDGE_DRIVE, EventKind.TALK, EventKind.WORKSHOP, EventKind.FILM_SCREENING,
    EventKind.ONLINE_CONVERSATION, EventKind.FUNDRAISER, EventKind.OTHER,
]
_EVENT_TITLES: dict[EventKind, list[tuple[str, FocusArea | None]]] = {
    EventKind.PLEDGE_DRIVE: [
        ("Jornada de firmas HeForShe en Ciudad Universitaria", FocusArea.ENDING_VIOLENCE),
        ("HeForShe pledge day on campus", FocusArea.POLITICAL_PARTICIPATION),
        ("Firma por la igualdad: semana de bienvenida", FocusArea.ENDING_VIOLENCE),
    ],
    EventKind.TALK: [
        ("Conversatorio: masculinidades y cuidado", FocusArea.ENDING_VIOLENCE),
        ("Talk: allyship in engineering classrooms", FocusArea.ECONOMIC_EMPOWERMENT),
        ("Mujeres en la política universitaria", FocusArea.POLITICAL_PARTICIPATION),
    ],
    EventKind.WORKSHOP: [
        ("Taller de intervención de testigos", FocusArea.ENDING_VIOLENCE),
        ("Workshop: negotiating your first salary", FocusArea.ECONOMIC_EMPOWERMENT),
        ("Taller: cómo acompañar una denuncia", FocusArea.PEACE_AND_SECURITY),
    ],
    EventKind.FILM_SCREENING: [
        ("Cine-debate: «Las Sufragistas»", FocusArea.POLITICAL_PARTICIPATION),
        ("Cine-debate: «Roma» y el trabajo del hogar", FocusArea.ECONOMIC_EMPOWERMENT),
        ("Film night: «Hidden Figures»", FocusArea.ECONOMIC_EMPOWERMENT),
    ],
    EventKind.ONLINE_CONVERSATION: [
        ("Charla en línea: violencia digital y Ley Olimpia", FocusArea.ENDING_VIOLENCE),
        ("Online conversation: men as allies", FocusArea.PEACE_AND_SECURITY),
        ("Conversación en línea: brecha salarial", FocusArea.ECONOMIC_EMPOWERMENT),
    ],
    EventKind.FUNDRAISER: [
        ("Bazar solidario a beneficio de un refugio", FocusArea.ENDING_VIOLENCE),
        ("Carrera 5K «Corre por la igualdad»", None),
    ],
    EventKind.OTHER: [
        ("Tendedero de denuncias y mural colectivo", FocusArea.ENDING_VIOLENCE),
        ("Feria de servicios universitarios contra la violencia", FocusArea.PEACE_AND_SECURITY),
    ],
}
_VENUES = [
    "Auditorio Javier Barros Sierra, Facultad de Ingeniería",
    "Auditorio Ius Semper Loquitur, Facultad de Derecho",
    "Aula Magna, Facultad de Filosofía y Letras",
    "Sala Julio Bracho, Centro Cultural Universitario",
    "Auditorio Alfonso Caso, Ciudad Universitaria",
    "Auditorio Ricardo Flores Magón, FCPyS",
]
_OPEN_AIR = ["Explanada de la Biblioteca Central", "Las Islas, Ciudad Universitaria",
             "Jardín de la Facultad de Ciencias"]
_PARTNERS = [
    "Coordinación para la Igualdad de Género (CIGU)", "ONU Mujeres México",
    "Sociedad de Alumnos de Ingeniería", "Filmoteca UNAM", "Defensoría de los Derechos Universitarios",
    "Colectiva Feminista FCPyS", "Dirección General del Deporte Universitario",
]
# Hours (local start, duration in minutes) by kind.
_EVENT_HOURS = {
    EventKind.PLEDGE_DRIVE: ((9, 0), 8 * 60),
    EventKind.TALK: ((12, 0), 120),
    EventKind.WORKSHOP: ((16, 0), 180),
    EventKind.FILM_SCREENING: ((17, 0), 150),
    EventKind.ONLINE_CONVERSATION: ((19, 0), 90),
    EventKind.FUNDRAISER: ((10, 0), 6 * 60),
    EventKind.OTHER: ((11, 0), 240),
}
# How strongly members turn up, and where walk-up pledgers sign.
_ATTEND_FACTOR = {
    EventKind.PLEDGE_DRIVE: 1.5, EventKind.TALK: 1.0, EventKind.WORKSHOP: 0.5,
    EventKind.FILM_SCREENING: 0.8, EventKind.ONLINE_CONVERSATION: 0.7,
    EventKind.FUNDRAISER: 0.9, EventKind.OTHER: 0.6,
}
_PLEDGE_WEIGHT = {
    EventKind.PLEDGE_DRIVE: 8.0, EventKind.TALK: 2.0, EventKind.WORKSHOP: 1.0,
    EventKind.FILM_SCREENING: 2.0, EventKind.ONLINE_CONVERSATION: 1.0,
    EventKind.FUNDRAISER: 2.0, EventKind.OTHER: 1.0,
}

# --------------------------------------------------------------------------- forums


@dataclass(frozen=True)
class _Topic:
    topic: str
    summary: str
    takeaways: tuple[str, ...]
    actions: tuple[str, ...]
    testimonies: tuple[str, ...]


_TOPICS = [
    _Topic(
        "Acoso en el transporte camino a CU",
        "Compartimos experiencias de acoso en el Metro, el Metrobús y el Pumabús, y qué "
        "nos ha servido para cuidarnos entre todas y todos.",
        ("Viajar en grupo desde Metro Universidad y compartir la ubicación",
         "Intervenir como testigo: distraer, delegar, documentar",
         "Ubicar los módulos de atención de la Defensoría",
         "Guardar el número de la línea de emergencia universitaria"),
        ("Pedir más iluminación en la ruta 1 del Pumabús",
         "Difundir un mapa de puntos seguros en redes"),
        ("Un señor me siguió desde el andén; una chica se puso a platicar conmigo como si "
         "nos conociéramos y eso me salvó.",
         "Yo nunca había pensado en esto hasta que mi hermana me contó lo que le pasa diario.",
         "Grabé a un acosador y el policía del Metro me dijo que no exagerara."),
    ),
    _Topic(
        "Sexism in engineering labs and group projects",
        "Students described who gets the soldering iron and who gets the minutes, and "
        "agreed on small habits that change it.",
        ("Rotate lab roles so nobody is always the note-taker",
         "Credit ideas by name in team meetings",
         "Call out a 'joke' in the moment, then follow up in private",
         "Ask quieter teammates first when splitting tasks"),
        ("Propose a role-rotation rule to the lab coordinators",
         "Share a one-page allyship guide with first-year teams"),
        ("In every project I was the one writing the report, even when I designed the circuit.",
         "A professor asked my male teammate to explain my own code.",
         "I realised I always volunteered my friend to take notes. I stopped."),
    ),
    _Topic(
        "Cuidados y corresponsabilidad: ¿quién lava los trastes?",
        "Hablamos del trabajo de cuidados en casa y de cómo repartirlo sin que siempre "
        "recaiga en las mujeres de la familia.",
        ("Hacer visible el trabajo de cuidados con una lista compartida",
         "Negociar tareas, no «ayudar»",
         "Los hombres de la familia también cuidan a abuelas y abuelos"),
        ("Publicar una guía de corresponsabilidad para estudiantes que viven en familia",),
        ("Mi mamá trabaja y además hace todo en la casa; empecé a cocinar yo los martes.",
         "En mi casa decían que yo «ayudaba»; ahora digo que hago mi parte."),
    ),
    _Topic(
        "Microagresiones en el salón de clases",
        "Comentarios sobre la ropa, interrupciones y dudas sobre la capacidad de las "
        "estudiantes: cómo reconocerlos y qué hacer.",
        ("Nombrar la microagresión sin atacar a la persona",
         "Pedir la palabra de vuelta: «no había terminado»",
         "Documentar y acudir a la Comisión Interna para la Igualdad de Género"),
        ("Proponer a la Comisión Interna una sesión con el profesorado",
         "Crear una guía breve para representantes de grupo"),
        ("Un profesor dijo que las mujeres no eran buenas para cálculo y nadie dijo nada.",
         "Me interrumpían en cada exposición hasta que una compañera dijo «déjala terminar»."),
    ),
    _Topic(
        "Violencia digital y difusión de imágenes sin consentimiento",
        "Revisamos qué es la violencia digital, qué establece la Ley Olimpia y cómo "
        "apoyar a quien la vive.",
        ("No reenviar: borrar y reportar",
         "Acompañar a la persona y respetar sus decisiones",
         "Conocer la ruta de denuncia ante la Fiscalía y la Defensoría"),
        ("Hacer una campaña «No lo reenvíes» en grupos de WhatsApp de generación",),
        ("Cuando circuló la foto de una amiga, lo que más ayudó fue que varios del grupo "
         "pidieron que la borraran.",
         "Yo reenvié algo así en la prepa; hoy entiendo el daño que hice."),
    ),
    _Topic(
        "Masculinidades: aprender a pedir ayuda",
        "Un círculo de hombres habló de la presión de no mostrar emociones y de cómo eso "
        "se relaciona con la violencia.",
        ("Hablar de lo que sentimos con amigos, no solo con la pareja",
         "Cuestionar las bromas que premian la violencia",
         "Buscar apoyo psicológico universitario sin vergüenza"),
        ("Abrir un círculo mensual de masculinidades", "Difundir los servicios de salud mental"),
        ("Mi papá nunca lloró frente a mí; yo quiero ser distinto con mis hijos.",
         "Me costó años entender que mis celos no eran amor."),
    ),
    _Topic(
        "Women and the pay gap in internships",
        "Participants compared internship offers and talked about negotiating, unpaid "
        "work and who gets recommended.",
        ("Share salary ranges openly with classmates",
         "Practise negotiating with a friend before the call",
         "Recommend women peers when asked for names"),
        ("Build an anonymous internship pay table for the faculty",),
        ("My classmate and I got the same offer; he asked for more and got it.",
         "I was told the unpaid internship was 'an honour'."),
    ),
    _Topic(
        "Mujeres indígenas en la universidad: lengua y pertenencia",
        "Estudiantes hablantes de lenguas originarias compartieron experiencias de "
        "discriminación y de redes que las sostienen.",
        ("Respetar y nombrar correctamente la lengua y la comunidad de cada quien",
         "Crear redes de acompañamiento entre generaciones",
         "Exigir materiales y trámites en lenguas originarias"),
        ("Invitar a la colectiva de estudiantes indígenas a co-organizar un foro",),
        ("Se burlaron de mi acento en la primera clase; ahora doy talleres de náhuatl.",
         "Nadie en mi familia había entrado a la universidad; la red de compañeras me sostuvo."),
    ),
]



# =========================================================================== helpers


def _ascii(value: str) -> str:
    return "".join(ch for ch in fold(value) if "a" <= ch <= "z")


def _pool(entries: Sequence[Any]) -> list[tuple[str, str]]:
    out = []
    for entry in entries:
        native, asc = (entry, _ascii(entry)) if isinstance(entry, str) else entry
        out.append((native, asc or "persona"))
    return out


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return [c / total for c in out]


_DOMAINS_STUDENT = (["comunidad.unam.mx", "gmail.com", "hotmail.com", "outlook.com",
                     "yahoo.com.mx"], _cumulative([65, 20, 8, 4, 3]))
_DOMAINS_STAFF = (["unam.mx", "gmail.com"], _cumulative([75, 25]))
_DOMAINS_OTHER = (["gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "icloud.com"],
                  _cumulative([50, 22, 14, 9, 5]))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# The bits uuid.UUID(int=..., version=4) sets: variant RFC 4122 and version 4.
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def _uuid_bytes(rng: random.Random) -> bytes:
    """``_uuid(rng).bytes`` without building the UUID object (hot path: a million rows)."""
    return ((rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET).to_bytes(16, "big")


def _timezone() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(TIMEZONE)
    except Exception:  # no tz database (Windows without tzdata): Mexico City is UTC-6
        return dt.timezone(dt.timedelta(hours=-6), "CST")


@dataclass(frozen=True)
class _Term:
    name: str
    starts_on: dt.date
    ends_on: dt.date


def _terms_around(today: dt.date) -> tuple[_Term, _Term]:
    """The UNAM semester before the current one, and the current (or next) one."""
    terms = []
    for year in range(today.year - 2, today.year + 2):
        terms.append(_Term(f"Semestre {year}-2", dt.date(year, 1, 27), dt.date(year, 6, 6)))
        terms.append(_Term(f"Semestre {year + 1}-1", dt.date(year, 8, 11), dt.date(year, 12, 5)))
    terms.sort(key=lambda t: t.starts_on)
    k = next(i for i, t in enumerate(terms) if t.ends_on >= today)
    return terms[k - 1], terms[k]


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


class _Progress:
    """Calls ``progress(fraction, message)``: at most ten times a second in the long loop
    (phase changes always get through), with a fraction that never goes back."""

    def __init__(self, callback: Callable[[float, str], None] | None):
        self.callback = callback
        self.last = -1.0
        self.fraction = 0.0

    def __call__(self, fraction: float, message: str, *, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if force or now - self.last >= 0.1:
            self.last = now
            self.fraction = max(self.fraction, min(1.0, round(fraction, 4)))
            self.callback(self.fraction, message)


@dataclass
class _EventPlan:
    index: int
    kind: EventKind
    local_start: dt.datetime
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    held: bool
    cancelled: bool
    online: bool
    id: int = 0
    day: int = 0  # ordinal of the local date
    attend_factor: float = 1.0
    source: RecordSource = RecordSource.KIOSK


# =========================================================================== the generator


def generate_demo(
    db: Database,
    *,
    members: int = 200,
    events: int = 12,
    forums: int = 4,
    pledges: int = 600,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> DemoSummary:
    """Create a new demo chapter in ``db`` and return what was made.

    ``members`` people get a membership; ``pledges`` people sign the pledge (most
    members, plus people without a membership when there are more pledges than members).
    ``progress(fraction, message)`` is called at most about ten times a second; setting
    ``cancel`` stops the work and raises :class:`Cancelled` with nothing saved.

    The data runs up to noon (the chapter's time) of ``today``; by default ``today`` is
    yesterday, so nothing in a fresh demo lies in the future.  The same seed and
    ``today`` give the same chapter.
    """
    for name, value in (("members", members), ("events", events), ("forums", forums),
                        ("pledges", pledges)):
        if value < 0:
            raise ValueError(f"{name} must be zero or more")
    generator = _Generator(
        db, members=members, events=events, forums=forums, pledges=pledges, seed=seed,
        today=today or dt.date.today() - dt.timedelta(days=1), progress=_Progress(progress), cancel=cancel,
    )
    return generator.run()


class _Generator:
    def __init__(
        self, db: Database, *, members: int, events: int, forums: int, pledges: int,
        seed: int, today: dt.date, progress: _Progress, cancel: threading.Event | None,
    ):
        self.db = db
        self.n_members = members
        self.n_events = events
        self.n_forums = forums
        self.n_pledges = pledges
        self.seed = seed
        self.today = today
        self.progress = progress
        self.cancel = cancel
        self.tz = _timezone()
        self.prev_term, self.cur_term = _terms_around(today)
        self.now_local = dt.datetime.combine(today, dt.time(12, 0), self.tz)
        self.now = self.now_local.astimezone(_UTC)
        # Officers change on 1 August; two cohorts: the one before and the current one.
        self.handover = dt.date(today.year if today >= dt.date(today.year, 8, 1) else today.year - 1, 8, 1)
        # Pledging members, then pledgers without a membership.
        self.member_pledgers = min(pledges, (members * 9) // 10)
        self.extra_pledgers = pledges - self.member_pledgers
        self.n_people = members + self.extra_pledgers
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ plumbing
    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), self.tz)

    def utc(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return self.local(day, hour, minute).astimezone(_UTC)

    def stamp(self, obj: Any, rng: random.Random, created: dt.datetime,
              updated: dt.datetime | None = None, *, uuid_value: uuid.UUID | None = None) -> Any:
        """Give an ORM row its UUID and times from the generator, never from the clock."""
        created = min(created, self.now)
        obj.uuid = uuid_value or _uuid(rng)
        obj.created_at = created
        obj.updated_at = max(created, min(updated or created, self.now))
        return obj

    def run(self) -> DemoSummary:
        self.progress(0.0, _("Creating the demo chapter…"), force=True)
        self.check_cancel()
        with self.db.write() as session:
            summary = self.build(session)
            self.check_cancel()
            self.progress(0.97, _("Saving…"), force=True)
        self.progress(1.0, _("Demo chapter created."), force=True)
        return summary

    # ------------------------------------------------------------------ the whole chapter
    def build(self, session: Session) -> DemoSummary:
        master, suffix = self.master_rng(session)
        chapter_uuid = _uuid(master)
        # Separate streams, so that changing how forums are made leaves people alone.
        rng_setup = random.Random(master.getrandbits(64))
        rng_people = random.Random(master.getrandbits(64))
        rng_misc = random.Random(master.getrandbits(64))

        chapter = self.make_chapter(session, rng_setup, chapter_uuid, suffix)
        plans = self.make_events(session, rng_setup, chapter)
        session.flush()
        for plan, obj in plans:
            plan.id = obj.id
        event_plans = [p for p, _obj in plans]
        self.progress(0.02, _("Creating people…"), force=True)

        conn = session.connection()
        people = _PeopleWriter(self, conn, chapter.id, event_plans, rng_people)
        people.write()

        self.check_cancel()
        self.progress(0.95, _("Officers, forums and goals…"), force=True)
        officer_terms = self.make_officers(session, rng_misc, chapter, people)
        forum_count, testimonies = self.make_forums(session, rng_misc, chapter, event_plans, people)
        goals = self.make_goals(session, rng_misc, chapter)
        self.counts.update(
            people=self.n_people, members=people.members_written, officer_terms=officer_terms,
            events=len(plans), attendance=people.attendance_written, forums=forum_count,
            testimonies=testimonies, pledges=people.pledges_written, goals=goals,
        )
        self.make_audit(session, rng_misc, chapter)
        session.flush()
        return DemoSummary(chapter_id=chapter.id, chapter_uuid=chapter.uuid,
                           chapter_name=chapter.name, **self.counts)

    def master_rng(self, session: Session) -> tuple[random.Random, int]:
        """The seed's random stream, moved on if this seed's demo is already in the file.

        (The same seed twice in one file would repeat UUIDs.)  Also returns how many demo
        chapters exist already, to number the new one's name.
        """
        attempt = 0
        while True:
            key: int | str = self.seed if attempt == 0 else f"{self.seed}/{attempt}"
            rng = random.Random(key)
            chapter_uuid = _uuid(random.Random(key))  # the first draw, as in build()
            taken = session.scalar(select(Chapter.id).where(Chapter.uuid == chapter_uuid))
            if taken is None:
                break
            attempt += 1
        existing = session.scalar(
            select(func.count()).select_from(Chapter).where(Chapter.name.like("HeForShe UNAM (demo%"))
        )
        return rng, int(existing or 0)

    def make_chapter(self, session: Session, rng: random.Random, chapter_uuid: uuid.UUID,
                     existing: int) -> Chapter:
        name = DEMO_CHAPTER_NAME if not existing else f"HeForShe UNAM (demo {existing + 1})"
        founded = dt.date(self.prev_term.starts_on.year - 3, 9, 20)
        chapter = Chapter(
            name=name,
            university="Universidad Nacional Autónoma de México",
            campus="Ciudad Universitaria",
            city="Ciudad de México",
            country="MX",
            timezone=TIMEZONE,
            founded_on=founded,
            advisor_name="Dra. Rosa María Villaseñor Ibáñez",
            advisor_email="rosa.villasenor@unam.mx",
            privacy_salt=rng.randbytes(32),
        )
        created = self.utc(founded, 10)
        self.stamp(chapter, rng, created, uuid_value=chapter_uuid)
        session.add(chapter)
        for term in (self.prev_term, self.cur_term):
            t = AcademicTerm(name=term.name, starts_on=term.starts_on, ends_on=term.ends_on)
            self.stamp(t, rng, created)
            chapter.terms.append(t)
        session.flush()
        return chapter

    # ------------------------------------------------------------------ events
    def make_events(self, session: Session, rng: random.Random,
                    chapter: Chapter) -> list[tuple[_EventPlan, Event]]:
        n = self.n_events
        if n == 0:
            return []
        days = (_weekdays(self.prev_term.starts_on + dt.timedelta(days=7),
                          self.prev_term.ends_on - dt.timedelta(days=7))
                + _weekdays(self.cur_term.starts_on + dt.timedelta(days=7),
                            self.cur_term.ends_on - dt.timedelta(days=7)))
        plans: list[_EventPlan] = []
        for i in range(n):
            kind = _EVENT_CYCLE[i % len(_EVENT_CYCLE)]
            frac = (i + 0.2 + 0.6 * rng.random()) / n
            day = days[min(len(days) - 1, int(frac * len(days)))]
            (hour, minute), minutes = _EVENT_HOURS[kind]
            local_start = self.local(day, hour, minute)
            starts = local_start.astimezone(_UTC)
            ends = starts + dt.timedelta(minutes=minutes)
            online = kind is EventKind.ONLINE_CONVERSATION
            plan = _EventPlan(
                index=i, kind=kind, local_start=local_start, starts_at=starts, ends_at=ends,
                held=ends <= self.now, cancelled=False, online=online, day=day.toordinal(),
                attend_factor=_ATTEND_FACTOR[kind] * self.attend_scale,
                source=RecordSource.IMPORT if online else RecordSource.KIOSK,
            )
            plans.append(plan)
        # One cancelled event (never a pledge drive, so the pledge spikes stay).
        if n >= 5:
            options = [p for p in plans if p.held and p.kind is not EventKind.PLEDGE_DRIVE]
            options = options or [p for p in plans if p.kind is not EventKind.PLEDGE_DRIVE]
            victim = options[int(rng.random() * len(options))]
            victim.cancelled, victim.held = True, False

        expected = self.expected_attendance(plans)
        out = []
        for plan in plans:
            kind = plan.kind
            titles = _EVENT_TITLES[kind]
            title, focus = titles[(plan.index // len(_EVENT_CYCLE)) % len(titles)]
            est = expected.get(plan.index, 0.0)
            if plan.online:
                venue = ""
                url = f"https://cuaieed-unam.zoom.us/j/8{rng.randrange(10**9, 10**10)}"
            else:
                venue = (_OPEN_AIR if kind in (EventKind.PLEDGE_DRIVE, EventKind.OTHER,
                                               EventKind.FUNDRAISER) else _VENUES)
                venue = venue[int(rng.random() * len(venue))]
                url = ""
            capacity = None if plan.online and est > 300 else int(math.ceil((est * 1.3 + 25) / 10) * 10)
            partners = sorted(set(rng.sample(_PARTNERS, int(rng.random() * 3))))
            pledge_goal = None
            if kind is EventKind.PLEDGE_DRIVE:
                pledge_goal = max(50, int(math.ceil(est * 1.2 / 10) * 10))
            elif rng.random() < 0.3:
                pledge_goal = max(10, int(math.ceil(est * 0.3 / 10) * 10))
            status = (EventStatus.CANCELLED if plan.cancelled
                      else EventStatus.HELD if plan.held else EventStatus.PLANNED)
            headcount = None
            if plan.held and kind in (EventKind.PLEDGE_DRIVE, EventKind.FILM_SCREENING,
                                      EventKind.FUNDRAISER, EventKind.OTHER):
                headcount = int(est * (1.05 + 0.4 * rng.random())) + 5
            description = {
                EventStatus.CANCELLED: "Cancelado por la suspensión de actividades en el campus.",
                EventStatus.HELD: "Actividad del capítulo HeForShe UNAM.",
                EventStatus.PLANNED: "Actividad abierta a toda la comunidad universitaria.",
            }[status]
            event = Event(
                chapter_id=chapter.id, title=title, kind=kind, focus_area=focus,
                starts_at=plan.starts_at, ends_at=plan.ends_at, timezone=TIMEZONE,
                venue=venue, online_url=url, description=description, capacity=capacity,
                partners=partners, pledge_goal=pledge_goal, status=status, headcount=headcount,
            )
            created = plan.starts_at - dt.timedelta(days=21 + int(rng.random() * 14))
            updated = plan.ends_at + dt.timedelta(hours=20) if plan.held else created
            self.stamp(event, rng, created, updated)
            session.add(event)
            out.append((plan, event))
        return out

    @property
    def attend_scale(self) -> float:
        """Scales every event's draw so a big roster does not mean huge events."""
        typical = self.n_members * _ATTEND_BY_STATUS[MembershipStatus.ACTIVE] * 0.75
        return min(1.0, _MEMBERS_PER_EVENT / typical) if typical else 1.0

    def expected_attendance(self, plans: list[_EventPlan]) -> dict[int, float]:
        live = [p for p in plans if not p.cancelled]
        weights = sum(_PLEDGE_WEIGHT[p.kind] for p in live if p.held) or 1.0
        out = {}
        for p in live:
            est = self.n_members * _ATTEND_BY_STATUS[MembershipStatus.ACTIVE] * 0.75 * p.attend_factor
            est += self.extra_pledgers * _AT_EVENT * _PLEDGE_WEIGHT[p.kind] / weights
            out[p.index] = est
        return out

    # ------------------------------------------------------------------ officers
    def make_officers(self, session: Session, rng: random.Random, chapter: Chapter,
                      people: _PeopleWriter) -> int:
        cands = people.officer_ids
        if not cands:
            return 0
        y1_start = self.handover.replace(year=self.handover.year - 1)
        y1_end = self.handover - dt.timedelta(days=1)
        roles: list[tuple[OfficerRole, str]] = [
            (OfficerRole.PRESIDENT, ""), (OfficerRole.VICE_PRESIDENT, ""),
            (OfficerRole.TREASURER, ""), (OfficerRole.SECRETARY, ""),
            (OfficerRole.EVENTS, ""), (OfficerRole.COMMUNICATIONS, ""),
            (OfficerRole.CUSTOM, "Coordinación de foros"),
        ]
        year2 = [1, 7, 8, 3, 9, 10, 11]  # the vice-president becomes president; secretary stays
        count = 0
        for year, (start, end) in enumerate(((y1_start, y1_end), (self.handover, None))):
            for k, (role, title) in enumerate(roles):
                who = k if year == 0 else year2[k]
                if who >= len(cands):
                    continue  # a small chapter leaves some roles empty
                if year == 1 and role is OfficerRole.CUSTOM:
                    title = "Enlace con la CIGU"
                term = OfficerTerm(chapter_id=chapter.id, person_id=cands[who],
                                   role=role, custom_title=title, starts_on=start, ends_on=end)
                self.stamp(term, rng, self.utc(start, 10), self.utc(end, 18) if end else None)
                session.add(term)
                count += 1
        return count

    # ------------------------------------------------------------------ forums
    def make_forums(self, session: Session, rng: random.Random, chapter: Chapter,
                    plans: list[_EventPlan], people: _PeopleWriter) -> tuple[int, int]:
        if self.n_forums == 0:
            return 0, 0
        pool = people.officer_ids + people.pool_ids
        past_days = _weekdays(self.prev_term.starts_on, self.today - dt.timedelta(days=1))
        past_days = past_days or [self.today]
        linkable = [p for p in plans if p.held and p.kind in (
            EventKind.TALK, EventKind.WORKSHOP, EventKind.ONLINE_CONVERSATION,
            EventKind.FILM_SCREENING)]
        order = list(range(len(_TOPICS)))
        rng.shuffle(order)
        testimonies = 0
        for j in range(self.n_forums):
            topic = _TOPICS[order[j % len(order)]]
            event_id = None
            fmt = [ForumFormat.CIRCLE, ForumFormat.PANEL, ForumFormat.WORKSHOP][int(rng.random() * 3)]
            if linkable and rng.random() < 0.4:
                plan = linkable.pop(int(rng.random() * len(linkable)))
                event_id, held_on = plan.id, dt.date.fromordinal(plan.day)
                fmt = {EventKind.ONLINE_CONVERSATION: ForumFormat.ONLINE,
                       EventKind.WORKSHOP: ForumFormat.WORKSHOP}.get(plan.kind, ForumFormat.PANEL)
            else:
                frac = (j + 0.2 + 0.6 * rng.random()) / self.n_forums
                held_on = past_days[min(len(past_days) - 1, int(frac * len(past_days)))]
            total = 8 + int(rng.random() * (70 if fmt is ForumFormat.ONLINE else 40))
            women = round(total * (0.45 + 0.25 * rng.random()))
            other = int(total * 0.08 * rng.random())
            forum = ForumSession(
                chapter_id=chapter.id, topic=topic.topic, held_on=held_on, event_id=event_id,
                format=fmt, participants_total=total, participants_women=women,
                participants_men=total - women - other, participants_other=other,
                summary=topic.summary,
            )
            held_at = self.utc(held_on, 18)
            self.stamp(forum, rng, held_at + dt.timedelta(hours=3))
            for who in sorted(set(rng.sample(pool, min(len(pool), 1 + int(rng.random() * 2))))):
                forum.facilitators.append(self.stamp(ForumFacilitator(person_id=who), rng, held_at))
            for pos, text in enumerate(rng.sample(topic.takeaways, min(len(topic.takeaways),
                                                                         2 + int(rng.random() * 3)))):
                forum.takeaways.append(
                    self.stamp(ForumTakeaway(position=pos, text=text), rng, held_at))
            for desc in topic.actions[: 1 + int(rng.random() * len(topic.actions))]:
                due = held_on + dt.timedelta(days=14 + int(rng.random() * 32))
                done = due < self.today and rng.random() < 0.65
                done_at = self.utc(due - dt.timedelta(days=int(rng.random() * 10)), 13) if done else None
                owner = pool[int(rng.random() * len(pool))] if pool and rng.random() < 0.85 else None
                item = ActionItem(description=desc, owner_id=owner, due_on=due, done=done,
                                  done_at=done_at)
                forum.action_items.append(self.stamp(item, rng, held_at, done_at))
            for said in rng.sample(topic.testimonies, min(len(topic.testimonies),
                                                           1 + int(rng.random() * 3))):
                anonymous = not pool or rng.random() < 0.5
                person_id = None if anonymous else pool[int(rng.random() * len(pool))]
                consent = rng.random() < (0.6 if anonymous else 0.4)
                forum.testimonies.append(self.stamp(Testimony(
                    text=said, person_id=person_id, consent_to_publish=consent,
                    consent_version=CONSENT_VERSION), rng, held_at))
                testimonies += 1
            session.add(forum)
        return self.n_forums, testimonies

    # ------------------------------------------------------------------ goals, audit
    def make_goals(self, session: Session, rng: random.Random, chapter: Chapter) -> int:
        term = self.cur_term
        goals = [
            (GoalMetric.PLEDGES, max(50, int(math.ceil(self.n_pledges * 0.8 / 50) * 50)),
             f"Firmas HeForShe, {term.name}"),
            (GoalMetric.MEMBERS, max(10, int(math.ceil(self.n_members * 1.1 / 10) * 10)),
             "Miembros activos"),
            (GoalMetric.EVENTS, max(3, (self.n_events + 1) // 2 + 1), "Eventos realizados"),
        ]
        for metric, target, label in goals:
            goal = Goal(chapter_id=chapter.id, metric=metric, target=target,
                        starts_on=term.starts_on, ends_on=term.ends_on, label=label)
            self.stamp(goal, rng, self.utc(min(term.starts_on, self.today), 10))
            session.add(goal)
        return len(goals)

    def make_audit(self, session: Session, rng: random.Random, chapter: Chapter) -> None:
        c = self.counts
        summary = _(
            "Demo chapter created: {people} people, {members} members, {events} events, "
            "{forums} forums, {pledges} pledges."
        ).format(**c)
        details: dict[str, object] = dict(c)
        details.update(seed=self.seed, today=self.today.isoformat())
        entry = AuditEntry(chapter_id=chapter.id, action=AuditAction.DEMO, entity="chapter",
                           entity_uuid=chapter.uuid, summary=summary, details=details)
        self.stamp(entry, rng, self.now)
        session.add(entry)


# =========================================================================== people, in bulk

# device_seq comes last: it is added when the batch is written (see _PeopleWriter.insert).
_PEOPLE_COLS = (
    "id", "uuid", "device_id", "created_at", "updated_at", "chapter_id",
    "given_names", "family_names", "family_name_first", "preferred_name", "email",
    "email_key", "phone", "student_id", "affiliation", "department", "programme",
    "year_of_study", "gender", "pronouns", "do_not_disclose", "notes", "search_text",
    "name_key", "sort_key", "device_seq",
)
_MEMBER_COLS = ("uuid", "device_id", "created_at", "updated_at", "chapter_id", "person_id",
                "status", "joined_on", "left_on", "device_seq")
_PLEDGE_COLS = ("uuid", "device_id", "created_at", "updated_at", "chapter_id", "person_id",
                "event_id", "signed_at", "utc_offset_minutes", "commitment_version",
                "personal_commitment", "may_contact", "may_publish_name", "consent_version",
                "source", "device_seq")
_STATEMENT_COLS = ("uuid", "device_id", "created_at", "updated_at", "chapter_id", "person_id",
                   "purpose", "given", "stated_at", "event_id", "notice_version", "source",
                   "device_seq")
_ATTEND_COLS = ("uuid", "device_id", "created_at", "updated_at", "event_id", "person_id",
                "checked_in_at", "source", "device_seq")

_AFFILIATIONS = [Affiliation.STUDENT, Affiliation.STAFF, Affiliation.FACULTY,
                 Affiliation.ALUMNI, Affiliation.COMMUNITY]
_AFF_MEMBER = _cumulative([84, 4, 4, 5, 3])
_AFF_PLEDGER = _cumulative([80, 4, 3, 5, 8])
_STATUSES = [MembershipStatus.ACTIVE, MembershipStatus.PROSPECTIVE, MembershipStatus.INACTIVE,
             MembershipStatus.ALUMNI]
_STATUS_CUM = _cumulative([68, 12, 11, 9])
_YEAR_CUM = _cumulative([26, 24, 20, 17, 13])
_ATTEND_BY_STATUS = {
    MembershipStatus.ACTIVE: 0.22, MembershipStatus.PROSPECTIVE: 0.08,
    MembershipStatus.INACTIVE: 0.03, MembershipStatus.ALUMNI: 0.04,
}
# Members expected at a typical event, whatever the size of the roster: a chapter of
# 100,000 members does not fill a lecture hall with 20,000 of them.
_MEMBERS_PER_EVENT = 120
_AT_EVENT = 0.45  # share of pledgers without a membership who sign at an event
_MEMBER_AT_EVENT = 0.5  # share of pledging members who sign at an event they came to
_DEFER_INDEXES_FROM = 20_000  # people; below this, indexes are kept up as rows go in
_HELPER_PROCESS_FROM = 150_000  # people; below this, starting a process is not worth it
_OFFICERS_NEEDED = 12
_POOL_SIZE = 300
_BARE_LIMIT = 50_000  # email addresses handed out without a number (bounds memory)


@dataclass(frozen=True)
class _Held:
    """What the people loop needs of a held event, ready to use."""

    id: int
    starts_at: dt.datetime
    span: float  # seconds
    day: int
    offset: int  # minutes
    factor: float
    source: str
    online: bool


_Batch = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]],
               list[tuple[Any, ...]]]


@dataclass(frozen=True)
class _Spec:
    """Everything that decides the people of a demo; picklable, for a helper process."""

    rng_state: Any
    dialect: str
    device: Any  # this device's id, encoded for the dialect
    chapter_id: int
    first_id: int
    n_people: int
    n_members: int
    member_pledgers: int
    today: dt.date
    now: dt.datetime
    handover: dt.date
    window_start: dt.date
    held: tuple[_Held, ...]
    held_weights: tuple[float, ...]
    batch: int


class _PeopleFactory:
    """Makes the rows of people, memberships, pledges and attendance, batch by batch.

    Pure computation from a :class:`_Spec`: the same rows in this process or another.
    """

    def __init__(self, spec: _Spec):
        self.spec = spec
        self.rng = rng = random.Random()
        rng.setstate(spec.rng_state)
        self.tz = _timezone()
        self.day_info: dict[int, tuple[dt.datetime, int]] = {}
        self.held = list(spec.held)
        self.held_cum = _cumulative(spec.held_weights)
        self.officer_ids: list[int] = []
        self.pool_ids: list[int] = []
        self.bare_emails: set[str] = set()
        self.need_members = spec.n_members
        self.need_member_pledges = spec.member_pledgers
        # Rows are built already encoded for the dialect (a value used in several
        # columns, like a pledge's time, is encoded once).
        from sqlalchemy.dialects import registry

        enc = RowEncoder(registry.load(spec.dialect)(), Pledge.__table__, ())
        self.ts = enc.datetime
        self.day = enc.date
        self.device = spec.device
        if enc.is_sqlite:
            self.new_uuid: Callable[[], Any] = functools.partial(_uuid_bytes, rng)
        else:
            self.new_uuid = lambda: uuid.UUID(bytes=_uuid_bytes(rng))
        self.locales = [(loc, _pool(loc.given_f), _pool(loc.given_m), _pool(loc.family_f),
                         _pool(loc.family_m or loc.family_f)) for loc in _LOCALES]
        self.locale_cum = _cumulative([loc.weight for loc in _LOCALES])
        # Days pledges can be signed online on.
        self.window = list(range(spec.window_start.toordinal(), spec.today.toordinal() + 1))
        # Student ids and email numbers are permutations of the person's index: unique
        # without remembering the ones handed out.
        self.sid_offset = rng.getrandbits(30) % 1_000_000_000
        self.num_mod = 10 ** max(2, len(str(spec.n_people * 10)))
        self.num_offset = rng.getrandbits(40) % self.num_mod

    def day_start(self, ordinal: int) -> tuple[dt.datetime, int]:
        """UTC time of local midnight of a day, and the day's UTC offset in minutes."""
        info = self.day_info.get(ordinal)
        if info is None:
            local = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time(0), self.tz)
            offset = local.utcoffset() or dt.timedelta(0)
            info = (local.astimezone(_UTC), int(offset.total_seconds() // 60))
            self.day_info[ordinal] = info
        return info

    def batches(self, tick: Callable[[int], None] | None = None) -> Iterator[_Batch]:
        total, size = self.spec.n_people, self.spec.batch
        for start in range(0, total, size):
            yield self.generate(start, min(total, start + size), tick)

    def generate(self, start: int, stop: int, tick: Callable[[int], None] | None = None) -> _Batch:
        """People ``start`` to ``stop`` (indexes) with their rows, ready to insert.

        One long function with everything it uses in local variables: it runs a million
        times in a large demo.  ``tick(index)`` is called every 4,096 people.
        """
        spec = self.spec
        rng = self.rng
        r = rng.random
        getrandbits = rng.getrandbits
        bisect_right = bisect.bisect_right
        timedelta = dt.timedelta
        device = self.device
        new_uuid = self.new_uuid
        ts = self.ts
        to_day = self.day
        day_start = self.day_start
        keys_of = person_keys
        chapter_id = spec.chapter_id
        first_id = spec.first_id
        now = spec.now
        today_ord = spec.today.toordinal()
        handover = spec.handover.toordinal()
        total = spec.n_people
        no_members = spec.n_members == 0
        locales, locale_cum = self.locales, self.locale_cum
        held, held_cum = self.held, self.held_cum
        window = self.window
        n_window = len(window)
        officer_ids, pool_ids = self.officer_ids, self.pool_ids
        bare = self.bare_emails
        sid_offset, num_mod, num_offset = self.sid_offset, self.num_mod, self.num_offset
        ACTIVE, PROSPECTIVE, INACTIVE, ALUMNI = _STATUSES
        STUDENT, STAFF, FACULTY, ALUMNUS, _COMMUNITY = _AFFILIATIONS
        kiosk, manual = RecordSource.KIOSK.value, RecordSource.MANUAL.value
        online, imported = RecordSource.ONLINE.value, RecordSource.IMPORT.value
        en_gender, en_pronouns = _GENDER_WORDS["en"], _PRONOUNS["en"]
        n_faculties, n_staff = len(_FACULTIES), len(_STAFF_UNITS)
        need_members, need_member_pledges = self.need_members, self.need_member_pledges

        people: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        pledges: list[tuple[Any, ...]] = []
        attendance: list[tuple[Any, ...]] = []
        for index in range(start, stop):
            if tick is not None and not index & 4095:
                tick(index)
            pid = first_id + index
            # Exactly need_members members and need_member_pledges pledging members,
            # spread at random (selection sampling).
            is_member = r() * (total - index) < need_members
            pledges_too = True
            if is_member:
                pledges_too = r() * need_members < need_member_pledges
                need_members -= 1
                if pledges_too:
                    need_member_pledges -= 1

            # -- name
            loc, gf, gm, ff, fm = locales[bisect_right(locale_cum, r())]
            female = r() < 0.5
            pool = gf if female else gm
            given, g_ascii = pool[int(r() * len(pool))]
            pool = ff if female else fm
            family, f_ascii = pool[int(r() * len(pool))]
            f2_ascii = ""
            if loc.two_surnames and r() < 0.92:
                second, f2_ascii = pool[int(r() * len(pool))]
                family = f"{family} {second}"
            preferred = ""
            x = r()
            if x < 0.3:
                if loc.nicknames:
                    if x < 0.25:
                        preferred = loc.nicknames.get(given, "")
                elif loc.latin_preferred:
                    preferred = loc.latin_preferred[int(r() * len(loc.latin_preferred))]
                elif loc.code == "vi":
                    preferred = given.split()[-1]

            # -- membership and affiliation
            status = None
            joined = left = None
            if is_member:
                if len(officer_ids) < _OFFICERS_NEEDED:
                    # Officers: members from before the first officer year.
                    slot = len(officer_ids)
                    officer_ids.append(pid)
                    status = ALUMNI if slot in (0, 2) else ACTIVE
                    joined = handover - 395 - int(r() * 400)
                    if status is ALUMNI:
                        left = handover - 10
                else:
                    status = _STATUSES[bisect_right(_STATUS_CUM, r())]
                    if status is ACTIVE:
                        joined = today_ord - int(1095 * r() ** 1.6)
                    elif status is PROSPECTIVE:
                        joined = today_ord - int(90 * r()) if r() < 0.5 else None
                    elif status is INACTIVE:
                        joined = today_ord - 200 - int(900 * r())
                    else:
                        joined = today_ord - 500 - int(1200 * r())
                        left = min(today_ord - 20, joined + 365 + int(900 * r()))
                    if len(pool_ids) < _POOL_SIZE and status is not PROSPECTIVE:
                        pool_ids.append(pid)
                if status is ALUMNI:
                    aff = ALUMNUS
                else:
                    aff = _AFFILIATIONS[bisect_right(_AFF_MEMBER, r())]
                    if aff is ALUMNUS:
                        aff = STUDENT
            else:
                aff = _AFFILIATIONS[bisect_right(_AFF_PLEDGER, r())]
                if no_members and len(pool_ids) < _POOL_SIZE:
                    pool_ids.append(pid)
            studies = aff is STUDENT or aff is ALUMNUS

            department = programme = ""
            year = None
            if studies or aff is FACULTY:
                department, programmes = _FACULTIES[int(r() * n_faculties)]
                if aff is not FACULTY:
                    programme = programmes[int(r() * len(programmes))]
                if aff is STUDENT:
                    year = 1 + bisect_right(_YEAR_CUM, r())
            elif aff is STAFF:
                department = _STAFF_UNITS[int(r() * n_staff)]

            # -- contact details (unique within the chapter by construction)
            email = None
            if is_member or r() >= 0.04:
                domains, cum = (_DOMAINS_STUDENT if studies
                                else _DOMAINS_STAFF if aff is STAFF or aff is FACULTY
                                else _DOMAINS_OTHER)
                domain = domains[bisect_right(cum, r())]
                style = int(r() * 5)
                if style == 0:
                    base = f"{g_ascii}.{f_ascii}"
                elif style == 1:
                    base = g_ascii + f_ascii
                elif style == 2:
                    base = g_ascii[0] + f_ascii
                elif style == 3 and f2_ascii:
                    base = f"{g_ascii}.{f_ascii}.{f2_ascii[0]}"
                else:
                    base = f"{f_ascii}.{g_ascii}"
                email = f"{base}@{domain}"
                if len(bare) < _BARE_LIMIT and email not in bare:
                    bare.add(email)
                else:
                    # base ends with a letter, so the number makes the address unique.
                    email = f"{base}{(index * 7919 + num_offset) % num_mod}@{domain}"
                if r() < 0.03:
                    email = email[0].upper() + email[1:]
            phone = None
            if r() < 0.3:
                if loc.phone and r() < 0.6:
                    code, lead, digits = loc.phone
                    phone = f"{code}{lead}{getrandbits(40) % 10**digits:0{digits}d}"
                else:
                    phone = f"+521{'55' if r() < 0.8 else '56'}{getrandbits(32) % 100_000_000:08d}"
            student_id = None
            if studies and (is_member or r() < 0.9):
                student_id = f"{(index * 387_420_489 + sid_offset) % 1_000_000_000:09d}"

            gender = pronouns = None
            if r() < 0.28:
                y = r()
                if y < 0.06:
                    gender = GENDER_PREFER_NOT_TO_SAY
                elif y < 0.11:
                    gender = _NONBINARY[int(r() * len(_NONBINARY))]
                else:
                    words = _GENDER_WORDS.get(loc.lang, en_gender)
                    gender = words[0] if female else words[1]
            if r() < 0.15:
                options = _PRONOUNS.get(loc.lang, en_pronouns)
                pronouns = options[2] if gender in _NONBINARY else options[0 if female else 1]
            do_not_disclose = r() < 0.015
            notes = _NOTES[int(r() * len(_NOTES))] if is_member and r() < 0.02 else ""

            # -- attendance (members) and the pledge
            first_seen = None
            attended: list[_Held] = []
            if is_member and held:
                base_p = _ATTEND_BY_STATUS[status]  # type: ignore[index]
                for event in held:
                    if ((joined is None or event.day >= joined)
                            and (left is None or event.day <= left)
                            and r() < base_p * event.factor):
                        attended.append(event)

            signed = None
            at_event: _Held | None = None
            if pledges_too:
                if attended and r() < _MEMBER_AT_EVENT:
                    at_event = attended[int(r() * len(attended))]
                elif not is_member and held and r() < _AT_EVENT:
                    at_event = held[bisect_right(held_cum, r())]
                    attended.append(at_event)
                if at_event is not None:
                    signed = at_event.starts_at + timedelta(
                        seconds=int(at_event.span * (0.05 + 0.9 * r())))
                    offset = at_event.offset
                    source = (online if at_event.online
                              else kiosk if r() < 0.85 else manual)
                else:
                    if held and r() < 0.25:
                        # Online, in the days after an event (people sign once home).
                        day = min(today_ord,
                                  held[bisect_right(held_cum, r())].day + 1 + int(r() * 3))
                    else:
                        day = window[int(r() ** 0.85 * n_window)]
                    midnight, offset = day_start(day)
                    # 08:00-23:00 local, or until noon on the last day.
                    hours = 4.0 if day == today_ord else 15.0
                    signed = midnight + timedelta(seconds=int((8 + hours * r()) * 3600))
                    source = online if r() < 0.9 else imported
                commitment = ""
                if r() < 0.1:
                    texts = _COMMITMENTS.get(loc.lang) or _COMMITMENTS["en" if r() < 0.5 else "es"]
                    commitment = texts[int(r() * len(texts))]
                signed_text = ts(signed)
                pledges.append((
                    new_uuid(), device, signed_text, signed_text, chapter_id, pid,
                    at_event.id if at_event is not None else None, signed_text, offset,
                    COMMITMENT_VERSION, commitment, r() < 0.55, r() < 0.3, CONSENT_VERSION,
                    source,
                ))
                first_seen = signed

            for event in attended:
                if event is at_event:
                    checked = max(event.starts_at - timedelta(minutes=15),
                                  signed - timedelta(minutes=5 + int(r() * 40)))  # type: ignore[operator]
                else:
                    checked = event.starts_at + timedelta(minutes=int(r() * 45) - 15)
                checked_text = ts(checked)
                attendance.append((
                    new_uuid(), device, checked_text, checked_text, event.id, pid, checked_text,
                    event.source if r() < 0.85 else manual,
                ))
                if first_seen is None or checked < first_seen:
                    first_seen = checked

            if is_member:
                if joined is not None:
                    joined = min(joined, today_ord)
                    created = day_start(joined)[0] + timedelta(hours=9 + int(r() * 10))
                else:
                    created = first_seen or (day_start(today_ord - int(r() * 60))[0]
                                             + timedelta(hours=10))
                created = min(created, now)
                created_text = updated_text = ts(created)
                left_on = None
                if left is not None:
                    left = max(left, joined or left)
                    left_on = to_day(dt.date.fromordinal(left))
                    updated = day_start(left)[0] + timedelta(hours=12)
                    updated_text = ts(max(created, min(now, updated)))
                memberships.append((
                    new_uuid(), device, created_text, updated_text, chapter_id, pid,
                    status.value,  # type: ignore[union-attr]
                    to_day(dt.date.fromordinal(joined)) if joined is not None else None,
                    left_on,
                ))
                if first_seen is None or created < first_seen:
                    first_seen = created
            seen_text = ts(min(first_seen or now, now))

            keys = keys_of(given, family, preferred, email, student_id, loc.family_first)
            people.append((
                pid, new_uuid(), device, seen_text, seen_text, chapter_id, given, family,
                loc.family_first, preferred, email, keys.email_key, phone, student_id,
                aff.value, department, programme, year, gender, pronouns, do_not_disclose,
                notes, keys.search_text, keys.name_key, keys.sort_key,
            ))

        self.need_members, self.need_member_pledges = need_members, need_member_pledges
        return people, memberships, pledges, attendance


def _consent_statements(pledges: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A "given" statement for each box ticked at a demo signing (rows already encoded).

    Their UUIDs are derived from the pledge's, as the upgrade to schema 4 derives them, so
    a demo is the same for the same seed.
    """
    out: list[tuple[Any, ...]] = []
    for p in pledges:
        contact, publish = p[11], p[12]
        if not (contact or publish):
            continue
        raw = p[0]
        pledge_uuid = raw if isinstance(raw, uuid.UUID) else uuid.UUID(bytes=raw)
        for purpose, ticked in ((ConsentPurpose.CONTACT, contact), (ConsentPurpose.PUBLISH, publish)):
            if ticked:
                made = backfill_uuid(pledge_uuid, purpose)
                out.append((made if isinstance(raw, uuid.UUID) else made.bytes, p[1], p[2], p[3], p[4],
                            p[5], purpose.value, True, p[7], p[6], p[13], p[14]))
    return out


def _helper_main() -> None:
    """The helper process: a spec on stdin; its batches, in order, on stdout (pickles).

    Started by :meth:`_PeopleWriter.write_from_helper` as ``python -c``, so no script of
    the parent's is imported again (as ``multiprocessing`` would do).
    """
    out = sys.stdout.buffer
    spec = pickle.load(sys.stdin.buffer)
    try:
        factory = _PeopleFactory(spec)
        for batch in factory.batches():
            pickle.dump(("batch", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(("done", factory.officer_ids, factory.pool_ids), out)
    except BaseException as error:  # tell the parent, which carries on without us
        pickle.dump(("error", repr(error)), out)
    out.flush()


class _PeopleWriter:
    """Writes the people of the demo (and their memberships, pledges and attendance).

    With many people the rows are made in a helper process while this one writes the
    previous batch: making them takes Python about as long as SQLite takes to store
    them, and two processes use both cores (two threads would share one interpreter
    lock).  The helper runs the same :class:`_PeopleFactory` on the same random state,
    so the rows are the same either way; if it cannot start or fails, the rest is made
    here.
    """

    def __init__(self, gen: _Generator, conn: Connection, chapter_id: int,
                 plans: list[_EventPlan], rng: random.Random):
        self.gen = gen
        self.conn = conn
        self.db = gen.db
        self.chapter_id = chapter_id
        self.rng = rng
        self.plans = plans
        self.officer_ids: list[int] = []
        self.pool_ids: list[int] = []
        self.members_written = 0
        self.pledges_written = 0
        self.attendance_written = 0
        self.batches_written = 0

    def spec(self, first_id: int) -> _Spec:
        gen, conn = self.gen, self.conn
        tz = gen.tz
        held = []
        for p in self.plans:
            if p.held:
                midnight = dt.datetime.combine(dt.date.fromordinal(p.day), dt.time(0), tz)
                offset = int((midnight.utcoffset() or dt.timedelta(0)).total_seconds() // 60)
                held.append(_Held(p.id, p.starts_at, (p.ends_at - p.starts_at).total_seconds(),
                                  p.day, offset, p.attend_factor, p.source.value, p.online))
        return _Spec(
            rng_state=self.rng.getstate(), dialect=conn.dialect.name,
            device=RowEncoder(conn.dialect, Pledge.__table__, ()).uuid(self.db.device.id),
            chapter_id=self.chapter_id, first_id=first_id, n_people=gen.n_people,
            n_members=gen.n_members, member_pledgers=gen.member_pledgers, today=gen.today,
            now=gen.now, handover=gen.handover, window_start=gen.prev_term.starts_on,
            held=tuple(held), held_weights=tuple(_PLEDGE_WEIGHT[p.kind] for p in self.plans
                                                 if p.held),
            batch=BATCH,
        )

    # ------------------------------------------------------------------ the loop
    def write(self) -> None:
        gen = self.gen
        total = gen.n_people
        if total == 0:
            return
        first_id = reserve_ids(self.conn, Person.__table__, total)
        spec = self.spec(first_id)
        if total >= _DEFER_INDEXES_FROM and first_id - 1 <= total:
            # Many rows into (nearly) empty tables: build the indexes whose keys come in
            # random order once at the end (the others cost little to keep up as rows
            # come, in sequence).  Everything here rolls back on an error (nothing
            # catches before db.write()), so there is no need to rebuild them then.
            with deferred_indexes(self.conn, Person.__table__, Pledge.__table__,
                                  keep=("ix_pledges_event_id",), restore_on_error=False):
                self.write_batches(spec)
                gen.progress(0.95, _("Indexing…"), force=True)
        else:
            self.write_batches(spec)

    def write_batches(self, spec: _Spec) -> None:
        if spec.n_people >= _HELPER_PROCESS_FROM and self.write_from_helper(spec):
            return
        # Here: from the start, or after a failed helper, skipping what it delivered.
        factory = _PeopleFactory(spec)

        def tick(index: int) -> None:
            self.gen.check_cancel()
            self.report(index)

        for k, batch in enumerate(factory.batches(tick)):
            if k >= self.batches_written:
                self.gen.check_cancel()
                self.insert(*batch)
                self.report(min(spec.n_people, (k + 1) * spec.batch))
        self.officer_ids, self.pool_ids = factory.officer_ids, factory.pool_ids

    def write_from_helper(self, spec: _Spec) -> bool:
        """Write batches made by a helper process; False if it could not make them all."""
        if getattr(sys, "frozen", False) or not sys.executable:
            return False  # a frozen app cannot run "python -c"
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        # No console window pops up for it on Windows.
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        try:
            helper = subprocess.Popen(
                [sys.executable, "-c", "from chapter_manager.demo import _helper_main; _helper_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                creationflags=flags,
            )
            assert helper.stdin is not None and helper.stdout is not None
            pickle.dump(spec, helper.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            helper.stdin.close()
        except (OSError, ValueError):
            return False
        messages: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def read() -> None:  # unpickling waits for the pipe: off the writing thread
            stream = helper.stdout
            while not stop.is_set():
                try:
                    message = pickle.load(stream)  # type: ignore[arg-type]
                except Exception:
                    message = ("error", "the helper process ended")
                while not stop.is_set():
                    try:
                        messages.put(message, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if message[0] != "batch":
                    return

        reader = threading.Thread(target=read, name="demo-helper-reader", daemon=True)
        reader.start()
        try:
            while True:
                try:
                    message = messages.get(timeout=0.1)
                except queue.Empty:
                    self.gen.check_cancel()
                    continue
                if message[0] != "batch":
                    if message[0] == "done":
                        self.officer_ids, self.pool_ids = message[1], message[2]
                        return True
                    return False
                self.gen.check_cancel()
                self.insert(*message[1])
                self.report(min(spec.n_people, self.batches_written * spec.batch))
        finally:
            stop.set()
            if helper.poll() is None:
                helper.kill()
            helper.wait()
            reader.join(timeout=5)
            helper.stdout.close()

    def report(self, done: int) -> None:
        total = self.gen.n_people
        self.gen.progress(0.02 + 0.93 * done / total,
                          _("Created {done:,} of {total:,} people…").format(done=done, total=total))

    def insert(self, people: list[tuple[Any, ...]], memberships: list[tuple[Any, ...]],
               pledges: list[tuple[Any, ...]], attendance: list[tuple[Any, ...]]) -> None:
        conn, db = self.conn, self.db
        for rows, table, cols in (
            (people, Person.__table__, _PEOPLE_COLS),
            (memberships, Membership.__table__, _MEMBER_COLS),
            (pledges, Pledge.__table__, _PLEDGE_COLS),
            (attendance, Attendance.__table__, _ATTEND_COLS),
            (_consent_statements(pledges), ConsentStatement.__table__, _STATEMENT_COLS),
        ):
            if not rows:
                continue
            first = db.allocate_sequence(conn, len(rows))
            numbered = [row + (first + k,) for k, row in enumerate(rows)]
            bulk_insert(conn, table, cols, numbered, batch_size=len(numbered))
        self.members_written += len(memberships)
        self.pledges_written += len(pledges)
        self.attendance_written += len(attendance)
        self.batches_written += 1
