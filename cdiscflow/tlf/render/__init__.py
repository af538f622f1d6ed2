"""Renderers: a layout (:mod:`cdiscflow.tlf.layout`) in, a file out. They place text; they never compute."""

from cdiscflow.tlf.render.docx import render_docx
from cdiscflow.tlf.render.html import render_html, render_index
from cdiscflow.tlf.render.pdf import convert_to_pdf, soffice_path
from cdiscflow.tlf.render.rtf import render_rtf, rtf_escape

RENDERERS = {"rtf": render_rtf, "docx": render_docx, "html": render_html}

__all__ = ["RENDERERS", "convert_to_pdf", "render_docx", "render_html", "render_index", "render_rtf",
           "rtf_escape", "soffice_path"]
