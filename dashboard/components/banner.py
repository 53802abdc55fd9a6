"""The destination, huge and in its colour, for a wall screen read from three metres away."""

import hashlib
from html import escape

import streamlit as st

from dashboard.components.scanning import ScanLine
from materials.clock import to_local

# Twenty colours that stay apart from each other and from the exception red, each with readable text on it.
PALETTE = (
    ("#1f77b4", "#fff"), ("#2ca02c", "#fff"), ("#ff7f0e", "#000"), ("#9467bd", "#fff"), ("#8c564b", "#fff"),
    ("#e377c2", "#000"), ("#17becf", "#000"), ("#bcbd22", "#000"), ("#393b79", "#fff"), ("#637939", "#fff"),
    ("#8c6d31", "#fff"), ("#7b4173", "#fff"), ("#3182bd", "#fff"), ("#31a354", "#fff"), ("#fd8d3c", "#000"),
    ("#756bb1", "#fff"), ("#636363", "#fff"), ("#e7ba52", "#000"), ("#6baed6", "#000"), ("#74c476", "#000"),
)  # fmt: skip
ALERT = ("#c62828", "#fff")
WAITING = ("#eceff1", "#37474f")


def colours_for(line: ScanLine | None) -> tuple[str, str]:
    if line is None:
        return WAITING
    if line.status != "ok" or not line.destination:
        return ALERT
    digits = "".join(ch for ch in line.destination if ch.isdigit())
    index = int(digits) if digits else int(hashlib.sha1(line.destination.encode()).hexdigest(), 16)
    return PALETTE[index % len(PALETTE)]


def destination_banner(line: ScanLine | None) -> None:
    background, text = colours_for(line)
    if line is None:
        headline, reason, where = "Scan næste materiale", "Stregkodelæseren skriver i feltet ovenfor.", ""
    else:
        headline, reason = line.headline, line.reason
        where = f"Sorterbakke / kasse: <b>{escape(line.bin)}</b>" if line.bin else ""
        if line.duplicate:
            reason += " (samme scanning igen: intet nyt registreret)"
    title = (
        f"<div class='scan-title'>{escape(line.barcode)} · {escape(line.title)}</div>" if line and line.title else ""
    )
    st.html(
        f"""
        <div class="scan-banner" data-status="{line.status if line else "waiting"}"
             style="background:{background};color:{text};border-radius:18px;padding:1.2rem 2rem;">
          <div style="font-size:clamp(3rem,8vw,9rem);font-weight:800;line-height:1.05;">{escape(headline)}</div>
          <div style="font-size:clamp(1.3rem,2.2vw,2.4rem);margin-top:.6rem;">{escape(reason)}</div>
          <div style="font-size:clamp(1.6rem,3vw,3.4rem);margin-top:.6rem;">{where}</div>
          <div style="font-size:1.1rem;opacity:.85;margin-top:.4rem;">{title}</div>
        </div>
        """
    )


def scan_history(lines: list[ScanLine]) -> None:
    """The last scans as a plain table (light to draw, so the next answer is not kept waiting)."""
    rows = "".join(
        f"<tr style='border-left:10px solid {colours_for(x)[0]}'><td>{to_local(x.at):%H:%M:%S}</td>"
        f"<td>{escape(x.barcode)}</td><td><b>{escape(x.headline)}</b></td><td>{escape(x.bin or '')}</td>"
        f"<td>{escape(x.reason)}</td></tr>"
        for x in lines
    )
    st.html(
        "<div class='scan-history'><b>Seneste 10 scanninger</b>"
        "<table style='width:100%;font-size:1.05rem;border-collapse:collapse'>"
        "<tr><th>Tid</th><th>Stregkode</th><th>Til</th><th>Bakke/kasse</th><th>Begrundelse</th></tr>"
        f"{rows}</table></div>"
        if lines
        else "<div class='scan-history' style='opacity:.6'>Ingen scanninger endnu.</div>"
    )
