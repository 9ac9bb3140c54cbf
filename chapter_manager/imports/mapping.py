"""Which column of a spreadsheet holds which field: guesses from English and Spanish headers.

:data:`FIELDS` lists what an import can fill, each with a label for the user and the
headers it is recognised by (compared accent- and case-insensitively, punctuation
ignored: "Correo electrónico", "E-mail", "CORREO" all find ``email``).  Two columns may
map to ``family_names`` ("Apellido paterno", "Apellido materno"): they are joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import N_, _
from ..text import fold

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # N_-marked; translate with _() when shown
    synonyms: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field("full_name", N_("Full name (split into given and family)"),
          ("name", "full name", "nombre completo", "nombre y apellidos", "nombres y apellidos",
           "apellidos y nombres", "display name", "member", "miembro")),
    Field("given_names", N_("Given name(s)"),
          ("first name", "given name", "given names", "forename", "first", "nombre", "nombres",
           "primer nombre", "prenom")),
    Field("family_names", N_("Family name(s)"),
          ("last name", "surname", "family name", "family names", "apellido", "apellidos",
           "apellido paterno", "apellido materno", "primer apellido", "segundo apellido", "nom de famille")),
    Field("preferred_name", N_("Preferred name"),
          ("preferred name", "nickname", "known as", "nombre preferido", "apodo", "nombre social")),
    Field("email", N_("Email"),
          ("email", "e mail", "email address", "mail", "correo", "correo electronico",
           "correo institucional", "email institucional", "direccion de correo")),
    Field("phone", N_("Phone"),
          ("phone", "phone number", "mobile", "cell", "cell phone", "telephone", "whatsapp",
           "telefono", "celular", "movil", "numero de telefono", "tel")),
    Field("student_id", N_("Student id"),
          ("student id", "student number", "student no", "id number", "matricula",
           "numero de matricula", "no de matricula", "n de matricula", "nro de matricula",
           "numero de cuenta", "no de cuenta", "num de cuenta", "n de cuenta", "nro de cuenta",
           "carne", "carnet", "carne estudiantil", "carne universitario", "numero de carne",
           "no de carne", "legajo", "numero de legajo", "no de legajo", "n de legajo", "nro de legajo",
           "codigo", "codigo de estudiante", "codigo del estudiante", "codigo de alumno",
           "codigo del alumno", "codigo estudiantil", "codigo universitario", "codigo institucional",
           "numero de estudiante", "expediente")),
    Field("affiliation", N_("Affiliation"),
          ("affiliation", "type", "afiliacion", "tipo", "vinculo", "relacion con la universidad")),
    Field("department", N_("Faculty or department"),
          ("faculty", "department", "faculty or department", "school", "college", "facultad",
           "departamento", "escuela", "centro", "unidad academica")),
    Field("programme", N_("Programme"),
          ("programme", "program", "major", "degree", "course", "carrera", "programa",
           "licenciatura", "grado", "titulacion")),
    Field("year_of_study", N_("Year of study"),
          ("year", "year of study", "study year", "ano", "ano de estudio", "semestre", "curso")),
    Field("gender", N_("Gender"), ("gender", "sex", "genero", "sexo")),
    Field("pronouns", N_("Pronouns"), ("pronouns", "pronombres")),
    Field("status", N_("Membership status"),
          ("status", "membership status", "estado", "estatus", "situacion", "membresia")),
    Field("joined_on", N_("Joined on"),
          ("joined", "joined on", "join date", "member since", "date joined", "fecha de ingreso",
           "ingreso", "fecha de alta", "alta", "miembro desde",
           # A sign-up form's answers (Google Forms, Microsoft Forms): when the person signed up.
           "timestamp", "marca temporal", "marca de tiempo", "fecha y hora", "start time", "hora de inicio")),
    Field("left_on", N_("Left on"),
          ("left", "left on", "date left", "fecha de baja", "baja", "fecha de salida")),
    Field("do_not_disclose", N_("Do not disclose"),
          ("do not disclose", "private", "no divulgar", "confidencial", "no publicar")),
    Field("notes", N_("Notes"), ("notes", "note", "comments", "notas", "observaciones", "comentarios")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
_BY_KEY = {f.key: f for f in FIELDS}
# Fields that may take several columns (joined with a space).
MULTI = frozenset({"family_names"})


def field_label(key: str) -> str:
    return _(_BY_KEY[key].label) if key in _BY_KEY else _("(not imported)")


def _norm(header: str) -> str:
    text = fold(header)
    text = re.sub(r"\(s\)|\(es\)|\(as\)|\(os\)", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


_EXACT: dict[str, str] = {}
for _field in FIELDS:
    for _syn in _field.synonyms:
        _EXACT.setdefault(_norm(_syn), _field.key)
    _EXACT.setdefault(_norm(_field.label), _field.key)


# Headers that start like a field's but name something else ("Código postal").
_NOT_FIELDS = ("codigo postal", "codigo de area", "codigo del pais", "codigo de pais", "codigo de la carrera",
               "codigo de carrera", "codigo de materia", "codigo de curso")


def guess_field(header: str) -> str:
    """The field a header names, or "" when none is recognised."""
    norm = _norm(header)
    if not norm or any(norm == n or norm.startswith(n + " ") for n in _NOT_FIELDS):
        return IGNORE
    if norm in _EXACT:
        return _EXACT[norm]
    words = norm.split()
    # "Correo electrónico institucional", "Nombre(s) del alumno": the longest synonym
    # that the header starts with.
    best, length = IGNORE, 0
    for syn, key in _EXACT.items():
        if (norm.startswith(syn + " ") or norm.endswith(" " + syn)) and len(syn) > length:
            best, length = key, len(syn)
    if best:
        return best
    if "email" in words or "correo" in words:
        return "email"
    return IGNORE


def header_score(headers: Sequence[str]) -> int:
    """How many of these texts are recognised headers (finds the header row)."""
    return sum(1 for h in headers if guess_field(h))


def guess_mapping(headers: Sequence[str]) -> list[str]:
    """A field key (or "") for each column; a field is used once unless it may take several."""
    mapping: list[str] = []
    used: set[str] = set()
    for header in headers:
        key = guess_field(header)
        if key and key in used and key not in MULTI:
            key = IGNORE
        if key:
            used.add(key)
        mapping.append(key)
    # "Nombre" beside "Apellidos" is the given name; alone with nothing else it is the full name.
    if "given_names" in used and "family_names" not in used and "full_name" not in used:
        mapping = ["full_name" if k == "given_names" else k for k in mapping]
    return mapping


def parse_overrides(items: Sequence[str], headers: Sequence[str], mapping: list[str]) -> list[str]:
    """Apply ``COLUMN=FIELD`` overrides (column by header or 1-based number; FIELD "" ignores)."""
    from ..errors import ValidationError

    mapping = list(mapping)
    folded = [_norm(h) for h in headers]
    for item in items:
        if "=" not in item:
            raise ValidationError({"map": _("“{item}” is not COLUMN=FIELD.").format(item=item)})
        column, _sep, key = item.partition("=")
        column, key = column.strip(), key.strip()
        if key in ("", "-", "none", "ignore"):
            key = IGNORE
        elif key not in _BY_KEY:
            raise ValidationError({"map": _("“{key}” is not a field; use one of: {fields}.").format(
                key=key, fields=", ".join(FIELD_KEYS))})
        if column.isdigit() and 1 <= int(column) <= len(headers):
            index = int(column) - 1
        elif _norm(column) in folded:
            index = folded.index(_norm(column))
        else:
            raise ValidationError({"map": _("The file has no column “{column}” (its columns: "
                                            "{headers}).").format(column=column, headers=", ".join(headers))})
        if key and key not in MULTI:
            mapping = [IGNORE if k == key else k for k in mapping]
        mapping[index] = key
    return mapping
