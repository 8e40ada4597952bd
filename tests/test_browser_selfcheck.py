"""Self-checks and discussion links as a reader meets them, in headless Chromium.

Right answers come from the build's glue (the Sphinx environment) and from the pages' source,
never from the page's DOM. By default the tests read the full build (`site` fixture); set
BOOK_HTML_DIR to a built book's html folder (e.g. a mini-book) to test that build instead.
"""
import functools
import http.server
import os
import pathlib
import pickle
import re
import threading

import pytest
import yaml

from book_ext import colab, discussion, downloads, selfcheck
from conftest import ROOT

HTML_DIR = pathlib.Path(os.environ['BOOK_HTML_DIR']) if os.environ.get('BOOK_HTML_DIR') else None
BOOK_ROOT = HTML_DIR.parents[1] if HTML_DIR else ROOT


def book_pages():
    """Every page of the book (all of chapters/*.md, or those a mini-book built)."""
    pages = sorted(p.stem for p in (BOOK_ROOT / 'chapters').glob('*.md'))
    if HTML_DIR:
        pages = [p for p in pages if (HTML_DIR / 'chapters' / f'{p}.html').exists()]
    return pages


def source_checks(page):
    """The page's self-checks in source order: (options, choices) for each."""
    text = (BOOK_ROOT / 'chapters' / f'{page}.md').read_text()
    checks = []
    for match in colab.FENCE.finditer(text):
        if match.group('name') != 'self-check':
            continue
        body = match.group('body')
        option_block = re.match(r'(?::[\w-]+:[^\n]*\n)*', body).group(0)
        options = dict(re.findall(r'^:([\w-]+):[ \t]*(.*)$', option_block, re.M))
        _, choices, _ = selfcheck.parse_content(body[len(option_block):].splitlines())
        checks.append((options, choices))
    return checks


@functools.lru_cache(maxsize=1)
def build_glue():
    """docname -> framework -> glue key -> value, as the build recorded it."""
    with open(BOOK_ROOT / '_build' / '.doctrees' / 'environment.pickle', 'rb') as file:
        return pickle.load(file).framework_glue


def config():
    values = yaml.safe_load((BOOK_ROOT / '_config.yml').read_text())['sphinx']['config']
    return {'repository': values['book_repository'], 'site': values['book_site_url'],
            'branch': values.get('book_source_branch', 'main'),
            'category': values.get('book_discussion_category', 'Sections')}


@pytest.fixture(scope='module')
def book(request):
    """The URL of the book under test."""
    if HTML_DIR is None:
        yield request.getfixturevalue('site')
        return
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML_DIR))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def expected_answers(page):
    """For each self-check of the page: ('numeric', value, tolerance) or (kind, right indices)."""
    answers = []
    for options, choices in source_checks(page):
        key = options.get('answer-glue')
        if key:
            value = selfcheck.resolve_answer(build_glue()[f'chapters/{page}'], key, page)
            tolerance = selfcheck.tolerance_for(value, options.get('format', ''),
                                                options.get('tolerance') and float(options['tolerance']))
            answers.append(('numeric', value, tolerance))
        else:
            right = [i for i, (_, correct) in enumerate(choices) if correct]
            answers.append(('multiple' if len(right) > 1 else 'single', right))
    return answers


def feedback(page, form):
    return page.inner_text(f'{form} .self-check-feedback')


def answer_numeric(page, form, value):
    page.fill(f'{form} input.self-check-number', str(value))
    page.click(f'{form} button.self-check-submit')


def answer_choices(page, form, indices):
    for box in page.query_selector_all(f'{form} .self-check-choice input'):
        if box.is_checked() and box.get_attribute('type') == 'checkbox':
            box.uncheck()
    for index in indices:
        page.check(f'{form} input[value="{index}"]')
    page.click(f'{form} button.self-check-submit')


def answer_wrongly(page, form, answer):
    """Submit an answer that must be rejected: off by more than the tolerance, a wrong choice,
    or only part of the right choices."""
    if answer[0] == 'numeric':
        answer_numeric(page, form, answer[1] + max(1, 10 * answer[2]))
    elif answer[0] == 'multiple':
        answer_choices(page, form, answer[1][:1])
    else:
        answer_choices(page, form, [next(i for i in range(26) if i not in answer[1])])


@pytest.mark.parametrize('section', book_pages())
def test_every_self_check_accepts_the_right_answer_and_rejects_a_wrong_one(book, page, section):
    page.goto(f'{book}/chapters/{section}.html')
    answers = expected_answers(section)
    forms = page.query_selector_all('form.self-check')
    assert len(forms) == len(answers), 'one form per self-check directive of the page'
    for number, answer in enumerate(answers, start=1):
        form = f'form#self-check-{number}'
        assert page.is_visible(f'{form} button.self-check-submit')
        assert not page.is_visible(f'{form} details.self-check-answer'), 'the answer waits'
        answer_wrongly(page, form, answer)
        assert 'Not quite' in feedback(page, form), (section, number)
        assert not page.is_visible(f'{form} details.self-check-answer')
        assert page.is_visible(f'{form} button.self-check-reveal')
        if answer[0] == 'numeric':  # as a reader may type it: 61,706
            answer_numeric(page, form, f'{answer[1]:,}' if isinstance(answer[1], int) else answer[1])
        else:
            answer_choices(page, form, answer[1])
        assert feedback(page, form).startswith('Correct'), (section, number, feedback(page, form))
        assert page.is_visible(f'{form} details.self-check-answer[open] .self-check-explanation')
    assert page.errors == [], page.errors


def focused(page):
    return page.evaluate('''() => { const e = document.activeElement;
        return {id: e.id, cls: e.className, tag: e.tagName, outline: getComputedStyle(e).outlineStyle}; }''')


def tab_to(page, predicate, limit=400):
    """Press Tab until the focused element satisfies ``predicate``; return it."""
    for _ in range(limit):
        page.keyboard.press('Tab')
        element = focused(page)
        if predicate(element):
            return element
    raise AssertionError('Tab never reached the element')


@pytest.mark.parametrize('section', [p for p in book_pages() if source_checks(p)])
def test_self_checks_work_with_the_keyboard_alone(book, page, section):
    # Open the page at its Self-Check heading (as from the page's table of contents): Tab goes on from there.
    page.goto(f'{book}/chapters/{section}.html#self-check')
    answers = expected_answers(section)
    first = tab_to(page, lambda e: e['id'].startswith('self-check-1-'), limit=30)
    assert first['outline'] != 'none', 'the focused control shows a visible outline'
    for number, answer in enumerate(answers, start=1):
        form = f'self-check-{number}'
        if number > 1:
            tab_to(page, lambda e: e['id'].startswith(f'{form}-'), limit=80)
        if answer[0] == 'numeric':
            assert focused(page)['id'] == f'{form}-input'
            page.keyboard.type(str(answer[1] + max(1, 10 * answer[2])))
            page.keyboard.press('Enter')
            assert 'Not quite' in feedback(page, f'#{form}')
            page.keyboard.press('Control+A')
            page.keyboard.type(str(answer[1]))
            page.keyboard.press('Enter')
        elif answer[0] == 'single':
            assert focused(page)['id'] == f'{form}-choice-0'
            for _ in range(answer[1][0]):
                page.keyboard.press('ArrowDown')  # arrows move and select within a radio group
            if answer[1][0] == 0:
                page.keyboard.press('Space')
            button = tab_to(page, lambda e: 'self-check-submit' in e['cls'], limit=20)
            assert button['outline'] != 'none'
            page.keyboard.press('Enter')
        else:
            n_choices = len(page.query_selector_all(f'#{form} .self-check-choice'))
            for index in range(n_choices):
                if focused(page)['id'] != f'{form}-choice-{index}':
                    tab_to(page, lambda e: e['id'] == f'{form}-choice-{index}', limit=20)
                if index in answer[1]:
                    page.keyboard.press('Space')
            tab_to(page, lambda e: 'self-check-submit' in e['cls'], limit=20)
            page.keyboard.press('Enter')
        assert feedback(page, f'#{form}').startswith('Correct'), (section, number)
        assert page.get_attribute(f'#{form} .self-check-feedback', 'aria-live') == 'polite'
        assert page.is_visible(f'#{form} details.self-check-answer[open]')
    assert page.errors == [], page.errors


def test_show_answer_button_and_page_without_javascript(book, browser, page):
    section = next(p for p in book_pages() if source_checks(p))
    page.goto(f'{book}/chapters/{section}.html')
    form = 'form#self-check-1'
    answer_wrongly(page, form, expected_answers(section)[0])
    page.click(f'{form} button.self-check-reveal')
    assert page.is_visible(f'{form} details.self-check-answer[open] .self-check-key')
    assert not page.is_visible(f'{form} button.self-check-reveal')
    assert page.errors == []
    context = browser.new_context(java_script_enabled=False)
    static = context.new_page()
    static.goto(f'{book}/chapters/{section}.html')
    assert not static.is_visible(f'{form} button.self-check-submit'), 'no dead buttons without JS'
    static.click(f'{form} details.self-check-answer summary')
    assert static.is_visible(f'{form} .self-check-key')
    context.close()


@pytest.mark.parametrize('mode', ['light', 'dark'])
def test_self_check_is_readable_in_light_and_dark_mode(book, page, mode):
    section = next(p for p in book_pages() if source_checks(p))
    page.add_init_script(f'localStorage.setItem("mode", "{mode}"); localStorage.setItem("theme", "{mode}");')
    page.goto(f'{book}/chapters/{section}.html')
    assert page.evaluate('document.documentElement.dataset.theme') == mode
    page.click('form#self-check-1 button.self-check-submit')  # an empty answer: a message appears
    ratio = page.evaluate('''() => {
        const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const background = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
            if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
        const form = document.querySelector('form.self-check');
        return [form.querySelector('legend'), form.querySelector('.self-check-feedback'),
                form.querySelector('.self-check-submit')].map(e => {
            const a = lum(getComputedStyle(e).color), b = lum(background(e));
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }); }''')
    assert min(ratio) >= 3, f'text contrast in {mode} mode: {ratio}'
    assert page.errors == [], page.errors
    folder = ROOT / '_build' / 'screenshots'  # for review
    folder.mkdir(parents=True, exist_ok=True)
    page.locator('form#self-check-1').screenshot(path=str(folder / f'self-check-{section}-{mode}.png'))


@pytest.mark.parametrize('section', book_pages())
def test_discuss_link_and_theme_buttons_point_at_book_repository(book, page, section):
    settings = config()
    page.goto(f'{book}/chapters/{section}.html')
    title = downloads._first_heading((BOOK_ROOT / 'chapters' / f'{section}.md').read_text())
    docname = f'chapters/{section}'
    assert page.get_attribute('a.discuss-link', 'href') == discussion.discussion_search_url(
        settings['repository'], settings['category'], title)
    assert page.get_attribute('a.discuss-new', 'href') == discussion.new_discussion_url(
        settings['repository'], settings['category'], title,
        f"{settings['site'].rstrip('/')}/{docname}.html")
    hrefs = set(page.eval_on_selector_all('a[href]', 'links => links.map(a => a.getAttribute("href"))'))
    for button, url in discussion.theme_button_urls(settings['repository'], settings['branch'],
                                                    docname).items():
        assert url in hrefs, f'the theme\'s {button} button of {section} should point at {url}'
    assert page.errors == [], page.errors
