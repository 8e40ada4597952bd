"""The appendix of worked solutions: every exercise links to its solution and back, answers start folded.

Sources are read from the pages and ``_toc.yml``; links are followed in the built HTML, so a
label that is missing or misspelt fails here even if Sphinx only warned.
"""
import re

import pytest
import yaml
from bs4 import BeautifulSoup

from book_ext import pages
from conftest import ROOT

TOC = yaml.safe_load((ROOT / '_toc.yml').read_text())
SECTIONS = [entry['file'].split('/')[-1] for entry in TOC['parts'][0]['chapters']]
APPENDIX = [section['file'].split('/')[-1] for part in TOC['parts'][1:] for entry in part['chapters']
            for section in entry.get('sections', [])]


def exercises(section):
    """{number: text} of the numbered list under the section's `## Exercises` heading."""
    text = (ROOT / 'chapters' / f'{section}.md').read_text().split('\n## Exercises', 1)[1]
    items = re.split(r'^(\d+)\. ', text, flags=re.M)[1:]
    return {int(number): body for number, body in zip(items[::2], items[1::2])}


def html(name):
    return BeautifulSoup((ROOT / '_build' / 'html' / 'chapters' / f'{name}.html').read_text(), 'html.parser')


def test_every_section_has_a_solutions_page_in_the_toc_in_chapter_order():
    assert APPENDIX == [f'solutions-{section}' for section in SECTIONS]


@pytest.mark.parametrize('section', SECTIONS)
def test_every_exercise_links_to_a_solution_that_links_back(section):
    source = (ROOT / 'chapters' / f'solutions-{section}.md').read_text()
    found = exercises(section)
    assert len(found) >= 5, f'{section}: expected at least five exercises, found {sorted(found)}'
    assert f'(sec-{section}-exercises)=' in (ROOT / 'chapters' / f'{section}.md').read_text()
    for number, text in found.items():
        assert f'{{ref}}`Solution <sol-{section}-{number}>`' in text, f'{section}, exercise {number}: no link'
        label = f'(sol-{section}-{number})='
        assert label in source, f'solutions-{section} has no {label}'
        answer = source.split(label, 1)[1].split(f'(sol-{section}-{number + 1})=', 1)[0]
        assert f'<sec-{section}-exercises>' in answer, f'solution {number} of {section}: no link back'


@pytest.mark.parametrize('section', SECTIONS)
def test_links_resolve_in_the_built_book(built_book, section):
    page, solutions = html(section), html(f'solutions-{section}')
    targets = {a['href'] for a in page.select(f'a[href^="solutions-{section}.html#sol-{section}-"]')}
    assert len(targets) == len(exercises(section))
    for href in targets:
        assert solutions.find(id=href.split('#')[1]), f'{href} points nowhere'
    backs = {a['href'] for a in solutions.select(f'a[href="{section}.html#sec-{section}-exercises"]')}
    assert backs and page.find(id=f'sec-{section}-exercises')


@pytest.mark.parametrize('section', SECTIONS)
def test_answers_start_folded_and_the_code_ran(built_book, section):
    solutions = html(f'solutions-{section}')
    dropdowns = solutions.select('details.sd-dropdown')
    assert dropdowns and not any(d.has_attr('open') for d in dropdowns)
    notebook = pages.read_page((ROOT / 'chapters' / f'solutions-{section}.md').read_text())
    if pages.has_code(notebook):
        hidden = solutions.select('div.cell.tag_hide-input')
        assert hidden and all(cell.select_one('details.hide.above-input') for cell in hidden)
        assert any(cell.select_one('div.cell_output') for cell in solutions.select('div.cell'))
