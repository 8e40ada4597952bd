"""book_ext.selfcheck: parsing a self-check, resolving its answer from glue, its HTML and notebook forms."""
import re
import textwrap

import pytest

from book_ext import colab, fallbacks, selfcheck
from book_ext.selfcheck import SelfCheckError
from conftest import ROOT, sphinx_project

NUMERIC = textwrap.dedent('''\
    What is the output height of a $3 \\times 3$ kernel on a 6-pixel input?
    +++
    $6 - 3 + 1$.''')
CHOICE = textwrap.dedent('''\
    Which layer has no parameters?

    - [ ] convolution
    - [x] max pooling,
      with a $2 \\times 2$ window
    - [ ] dense
    +++
    Max pooling only compares.''')
SECTION_PAGES = sorted(name for name in re.findall(r'file: chapters/([\w-]+)', (ROOT / '_toc.yml').read_text())
                       if not name.startswith('solutions') and name not in ('index', 'references'))
# Pages whose Self-Check block waits in /work/notes/selfchecks/ until the page's owner finishes;
# the lead removes a page from this set when inserting its block.
PENDING = set()


def test_parse_numeric_and_multiple_choice():
    prompt, choices, explanation = selfcheck.parse_content(NUMERIC.splitlines())
    assert prompt == ['What is the output height of a $3 \\times 3$ kernel on a 6-pixel input?']
    assert choices == [] and explanation == ['$6 - 3 + 1$.']
    prompt, choices, explanation = selfcheck.parse_content(CHOICE.splitlines())
    assert prompt[0] == 'Which layer has no parameters?'
    assert choices == [('convolution', False), ('max pooling, with a $2 \\times 2$ window', True),
                       ('dense', False)]
    assert selfcheck.choice_answer_text(choices) == '(b)'
    assert selfcheck.choice_answer_text([('a', True), ('b', False), ('c', True)]) == '(a), (c)'


@pytest.mark.parametrize('text, cause', [
    ('A question?', "exactly one line '+++'"),
    ('A question?\n+++\nWhy.\n+++\nAgain.', "exactly one line '+++'"),
    ('A question?\n+++\n   ', 'explanation'),
    ('+++\nWhy.', 'no question'),
    ('Which?\n- [x] a\n- [ ] b\nMore question.\n+++\nWhy.', 'follows the choices'),
])
def test_malformed_self_checks_say_what_is_wrong(text, cause):
    with pytest.raises(SelfCheckError, match=re.escape(cause)):
        selfcheck.parse_content(text.splitlines())


def test_choices_need_a_right_one_and_a_wrong_one():
    with pytest.raises(SelfCheckError, match='no choice is marked right'):
        selfcheck.check_choices([('a', False), ('b', False)])
    with pytest.raises(SelfCheckError, match='at least two'):
        selfcheck.check_choices([('a', True)])
    selfcheck.check_choices([('a', True), ('b', False)])


def test_answer_resolves_from_both_frameworks_glue():
    glue = {'pytorch': {'side': '4', 'ratio': '0.25'}, 'mxnet': {'side': '4', 'ratio': '0.25'}}
    assert selfcheck.resolve_answer(glue, 'side', 'chapters/p') == 4
    assert selfcheck.resolve_answer(glue, 'ratio', 'chapters/p') == 0.25


@pytest.mark.parametrize('glue, message', [
    ({'pytorch': {'side': '4'}, 'mxnet': {}}, "'side' on page 'chapters/p' is not glued in the MXNet notebook"),
    ({'pytorch': {}, 'mxnet': {}}, 'not glued in the PyTorch and MXNet notebook'),
    ({}, 'the page glued no values'),
    (None, 'the page glued no values'),
    ({'pytorch': {'side': '4'}, 'mxnet': {'side': '5'}}, "frameworks disagree on the self-check answer 'side' "
                                                         "on page 'chapters/p' (PyTorch: 4, MXNet: 5)"),
    ({'pytorch': {'side': 'np.int64(4)'}, 'mxnet': {'side': 'np.int64(4)'}}, 'not a plain number'),
    ({'pytorch': {'side': 'True'}, 'mxnet': {'side': 'True'}}, 'not a plain number'),
    ({'pytorch': {'side': "'4'"}, 'mxnet': {'side': "'4'"}}, 'not a plain number'),
])
def test_answer_errors_name_the_key_and_the_page(glue, message):
    with pytest.raises(SelfCheckError, match=re.escape(message)) as error:
        selfcheck.resolve_answer(glue, 'side', 'chapters/p')
    assert "'side'" in str(error.value) and 'chapters/p' in str(error.value)


@pytest.mark.parametrize('value, spec, tolerance, shown, expected', [
    (61706, ',d', None, '61,706', 0.0),
    (24, '', None, '24', 0.0),
    (0.3456, '.2f', None, '0.35', 0.005),
    (12.5, '.1f', None, '12.5', 0.05),
    (0.3456, '', 0.01, '0.3456', 0.01),
])
def test_answer_text_and_tolerance(value, spec, tolerance, shown, expected):
    assert selfcheck.answer_text(value, spec) == shown
    assert selfcheck.tolerance_for(value, spec, tolerance) == pytest.approx(expected)


def test_a_float_answer_needs_a_format_or_a_tolerance():
    with pytest.raises(SelfCheckError, match=':format:'):
        selfcheck.tolerance_for(0.3456)


def test_notebook_stand_in_has_question_answer_and_explanation_in_details():
    assert fallbacks.NOTEBOOK_MARKDOWN['self-check'] is selfcheck.notebook_markdown
    page = (f'## Self-Check\n\n```{{self-check}}\n:answer-glue: side\n:format: ,d\n{NUMERIC}\n```\n\n'
            f'```{{self-check}}\n{CHOICE}\n```\n')
    text = colab.markdown(page, 'mxnet', {'side': '4000'}, 'https://book', {}, {})
    assert '{self-check}' not in text and '+++' not in text
    assert '**Check yourself.** What is the output height of a $3 \\times 3$ kernel' in text
    assert text.count('<details>') == 2 and text.count('</details>') == 2
    first, second = text.split('</details>')[:2]
    assert first.index('kernel on a 6-pixel input') < first.index('<details>') < first.index('**Answer:** 4,000')
    assert first.index('**Answer:** 4,000') < first.index('$6 - 3 + 1$.')
    assert '- (b) max pooling, with a $2 \\times 2$ window' in second
    assert '**Answer:** (b)' in second and 'Max pooling only compares.' in second
    with pytest.raises(KeyError, match="'other'"):
        colab.markdown(page.replace(':answer-glue: side', ':answer-glue: other'), 'mxnet',
                       {'side': '4000'}, 'https://book', {}, {})


def build(tmp_path, page, glue):
    """Build a one-page Sphinx project with MyST and the self-check directive; (html, warnings)."""
    _, warnings, html = sphinx_project(tmp_path, ['myst_parser', 'book_ext.selfcheck'],
                                       {'index.md': '# Book\n\n```{toctree}\npage\n```\n', 'page.md': page},
                                       {'page': glue})
    return (html / 'page.html').read_text(), warnings


def test_directive_renders_a_form_with_the_glued_answer(tmp_path):
    page = (f'# Page\n\n```{{self-check}}\n:answer-glue: side\n:format: ,d\n{NUMERIC}\n```\n\n'
            f'```{{self-check}}\n{CHOICE}\n```\n')
    glue = {'pytorch': {'side': '4000'}, 'mxnet': {'side': '4000'}}
    html, warnings = build(tmp_path, page, glue)
    assert warnings == ''
    forms = re.findall(r'<form class="self-check".*?</form>', html, re.S)
    assert len(forms) == 2
    numeric, choice = forms
    assert 'id="self-check-1"' in numeric and 'data-kind="numeric"' in numeric and 'data-answer="4000"' in numeric
    assert '<label for="self-check-1-input">' in numeric and 'id="self-check-1-input"' in numeric
    assert 'aria-live="polite"' in numeric and '<legend class="self-check-title">Question 1</legend>' in numeric
    assert re.search(r'<details class="self-check-answer">.*Answer: <strong>4,000</strong>.*</details>', numeric, re.S)
    assert 'data-kind="single"' in choice and 'data-answer="1"' in choice
    assert choice.count('type="radio"') == 3
    assert re.search(r'<input type="radio" id="self-check-2-choice-1"[^>]*><label for="self-check-2-choice-1">'
                     r'<span class="self-check-letter">\(b\)</span> max pooling', choice)
    assert 'selfcheck.js' in html and 'selfcheck.css' in html
    assert (tmp_path / 'html' / '_static' / 'selfcheck.js').exists()


@pytest.mark.parametrize('glue, message', [
    ({'pytorch': {'side': '4'}, 'mxnet': {'side': '5'}}, 'frameworks disagree'),
    ({'pytorch': {'side': '4'}, 'mxnet': {}}, 'is not glued in the MXNet notebook'),
])
def test_build_reports_a_bad_answer_key_with_page_and_key(tmp_path, glue, message):
    page = f'# Page\n\n```{{self-check}}\n:answer-glue: side\n{NUMERIC}\n```\n'
    _, warnings = build(tmp_path, page, glue)
    assert 'ERROR' in warnings and message in warnings
    assert "self-check on page 'page'" in warnings and "'side'" in warnings and 'page.md' in warnings


@pytest.mark.parametrize('section', SECTION_PAGES)
def test_each_section_has_three_to_five_self_checks_before_its_exercises(section):
    text = (ROOT / 'chapters' / f'{section}.md').read_text()
    checks = [m for m in colab.FENCE.finditer(text) if m.group('name') == 'self-check']
    if section in PENDING and not checks:
        pytest.skip('its Self-Check block waits for the page owner')
    assert 3 <= len(checks) <= 5, f'{section} has {len(checks)} self-checks'
    heading = text.index('\n## Self-Check\n')
    assert all(heading < m.start() for m in checks)
    after = text[heading + 1:]
    following = re.search(r'^## (.+)$', after[3:], re.M)
    assert following is None or following.group(1) == 'Exercises', 'Self-Check comes just before Exercises'
    assert sum('answer-glue' in m.group('body') for m in checks) >= 1, 'at least one numeric answer'
