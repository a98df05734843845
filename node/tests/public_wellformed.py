#!/usr/bin/env python3
"""public_wellformed.py FILE...: every .html is well-formed (each element
closed in order, void elements never closed, one <html> root, a doctype) and
its inline <svg> parses as XML; every .svg parses as XML with an <svg> root.
Exit 1 naming the first fault of each bad file."""
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.faults, self.roots, self.doctype = [], [], 0, False

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        if not self.stack:
            self.roots += 1
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        if not self.stack:
            self.roots += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            self.faults.append(f"line {self.getpos()[0]}: </{tag}> closes a void element")
        elif not self.stack or self.stack[-1][0] != tag:
            open_ = self.stack[-1] if self.stack else ("nothing", (0, 0))
            self.faults.append(f"line {self.getpos()[0]}: </{tag}> while <{open_[0]}> "
                               f"(line {open_[1][0]}) is open")
        else:
            self.stack.pop()


def check_html(path, text):
    c = Checker()
    c.feed(text)
    c.close()
    faults = c.faults
    if not c.doctype:
        faults.append("no <!DOCTYPE html>")
    if c.roots != 1:
        faults.append(f"{c.roots} root elements, not one <html>")
    faults += [f"<{t}> (line {p[0]}) never closed" for t, p in c.stack]
    for svg in re.findall(r"<svg.*?</svg>", text, re.S):
        try:
            ET.fromstring(svg)
        except ET.ParseError as e:
            faults.append(f"inline SVG: {e}")
    return faults


def check_svg(path, text):
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        return [str(e)]
    return [] if root.tag == "{http://www.w3.org/2000/svg}svg" else [f"root is {root.tag}"]


bad = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    faults = check_svg(path, text) if path.endswith(".svg") else check_html(path, text)
    if faults:
        bad += 1
        print(f"{path}: " + "; ".join(faults[:3]))
sys.exit(1 if bad else 0)
