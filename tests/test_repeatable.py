"""Two clean runs print identical training figures in every section that trains (reduced runs)."""
import os
import re

import nbformat
import pytest

from book_ext import execute, pages
from conftest import ROOT

CALLS_TRAINING = re.compile(r'^(?!\s*def ).*\btrain_ch5\(', re.M)  # a call, not the definition


def trains(page):
    """True if the page's code calls train_ch5 (the appendix page that defines it does not count)."""
    code = pages.code_sources(pages.read_page(page.read_text()), 'pytorch')
    return any(CALLS_TRAINING.search(source) for source in code)


TRAINING_PAGES = [p for p in sorted((ROOT / 'chapters').glob('*.md'))
                  if not p.stem.startswith('solutions') and trains(p)]
FIGURES = re.compile(r'(?:epoch \d+: .*|loss [\d.na]+, train acc [\d.]+, test acc [\d.]+)')


def training_figures(notebook):
    """Every line that reports training progress or results (timings left out: they vary)."""
    lines = []
    for cell in notebook.cells:
        for output in cell.get('outputs', []):
            text = output.get('text', '') or output.get('data', {}).get('text/plain', '')
            lines += FIGURES.findall(text)
    return lines


def test_some_pages_train():
    assert {p.stem for p in TRAINING_PAGES} >= {'lenet'}


def test_two_clean_runs_print_identical_training_figures(tmp_path, monkeypatch):
    monkeypatch.setenv('D2L_QUICK', '1')
    runs = []
    for attempt in ('first', 'second'):
        cache = tmp_path / attempt
        jobs = [(p.stem, pages.read_page(p.read_text()), framework, p.parent)
                for p in TRAINING_PAGES for framework in pages.FRAMEWORKS]
        failures = execute.run_many(jobs, cache, parallel=2, log=lambda message: None)
        assert not failures, {key: str(f) for key, f in failures.items()}
        runs.append({(name, framework): training_figures(execute.run(notebook, framework, cwd, cache)[0])
                     for name, notebook, framework, cwd in jobs})
    first, second = runs
    for key in first:
        assert first[key], f'{key} printed no training figures'
        assert first[key] == second[key], key
