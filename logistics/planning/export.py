"""A display as a digital book display for the library's website: JSON for the site's templates, and plain HTML.

The titles are those on the display (copies up) and those it wants, best scored first; each links to the work on
bibliotek.dk by its faust number when it has one, else to a search for its ISBN or title.
"""

import html
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlmodel import Session, col, select

from logistics.planning.displays import require_display
from materials.domain.states import ItemStatus
from materials.models import Branch, CalendarEvent, DisplayWant, Item, Title


@dataclass(frozen=True)
class ExportedTitle:
    title: str
    author: str
    year: int | None
    material_type: str
    isbn13: str | None
    faust: str | None
    link: str
    on_display: bool


def work_link(title: Title) -> str:
    if title.faust:
        return f"https://bibliotek.dk/work/work-of:870970-basis:{title.faust}"
    return f"https://bibliotek.dk/find?q.all={quote(title.isbn13 or title.title)}"


def display_document(session: Session, display_id: int) -> dict[str, Any]:
    display = require_display(session, display_id)
    branch = session.get(Branch, display.branch_id)
    event = session.get(CalendarEvent, display.calendar_event_id) if display.calendar_event_id else None
    up = set(
        session.exec(
            select(Item.title_id).where(Item.location_id == display.location_id, Item.status == ItemStatus.ON_DISPLAY)
        )
    ) if display.location_id is not None else set()  # fmt: skip
    wanted = [w.title_id for w in session.exec(
        select(DisplayWant).where(DisplayWant.display_id == display.id).order_by(col(DisplayWant.score).desc())
    )]  # fmt: skip
    order = list(dict.fromkeys([*sorted(up), *wanted]))
    titles = {t.id: t for t in session.exec(select(Title).where(col(Title.id).in_(order)))} if order else {}
    books = [
        ExportedTitle(t.title, t.author, t.year, str(t.material_type), t.isbn13, t.faust, work_link(t), t.id in up)
        for t in (titles[i] for i in order if i in titles)
    ]
    return {
        "id": display.id,
        "name": display.name,
        "branch": {"isil": branch.isil, "name": branch.name} if branch else None,
        "theme": [w for w in display.theme.split(";") if w.strip()],
        "audience": display.audience,
        "starts_on": display.starts_on.isoformat(),
        "ends_on": display.ends_on.isoformat(),
        "event": {"name": event.name, "starts_at": event.starts_at.isoformat()} if event else None,
        "titles": [asdict(b) for b in books],
    }


def display_html(document: dict[str, Any]) -> str:
    esc = html.escape
    branch = document["branch"]["name"] if document["branch"] else ""
    event = document["event"]
    items = "\n".join(
        f'    <li class="book"><a href="{esc(t["link"])}"><cite>{esc(t["title"])}</cite></a>'
        f"{' af ' + esc(t['author']) if t['author'] else ''}"
        f"{' (' + str(t['year']) + ')' if t['year'] else ''}</li>"
        for t in document["titles"]
    )
    about = f"<p>{esc(event['name'])}, {esc(event['starts_at'][:10])}</p>" if event else ""
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(document['name'])} – {esc(branch)}</title>\n</head>\n<body>\n"
        f'<section class="book-display" data-display-id="{document["id"]}">\n'
        f"  <h1>{esc(document['name'])}</h1>\n  <p>{esc(branch)}, {document['starts_on']} – {document['ends_on']}</p>\n"
        f"  {about}\n  <ul>\n{items}\n  </ul>\n</section>\n</body>\n</html>\n"
    )


def export_display(session: Session, display_id: int, folder: Path) -> tuple[Path, Path]:
    """Write display-<id>.json and display-<id>.html into `folder`; returns both paths."""
    document = display_document(session, display_id)
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"display-{display_id}.json"
    html_path = folder / f"display-{display_id}.html"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(display_html(document), encoding="utf-8")
    return json_path, html_path
