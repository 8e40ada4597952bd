"""Self-check questions: a reader answers in the page and gets feedback and an explanation at once.

A numeric question takes its answer from a glue key of the page, computed by the page's own
(hidden) code, so editing the code changes the answer key::

    ```{self-check}
    :answer-glue: out_side
    :format: ,d
    What is the output height?
    +++
    The explanation, shown after an answer.
    ```

A multiple-choice question marks its right choices with ``[x]`` (several right choices become
"select all that apply" checkboxes)::

    ```{self-check}
    Which layer has no parameters?

    - [ ] a convolutional layer
    - [x] a max-pooling layer
    +++
    The explanation.
    ```

In HTML the question is a form checked in the browser by ``static/selfcheck.js``; without
JavaScript, and in print, the answer and explanation sit in a collapsed ``<details>``, which is
also what learner notebooks get (see ``notebook_markdown``). Nothing is sent anywhere or stored.
"""
import ast
import html
import math
import re

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from . import fallbacks
from .pages import FRAMEWORKS

SEPARATOR = '+++'
CHOICE = re.compile(r'^[-*] \[(?P<mark>[ xX])\] (?P<text>.*)$')
LETTERS = 'abcdefghijklmnopqrstuvwxyz'


class SelfCheckError(ValueError):
    """A self-check that cannot be built; the message names the cause and the fix."""


def parse_content(lines):
    """Split a self-check's lines into (prompt lines, choices, explanation lines).

    ``choices`` is a list of (text, correct) pairs, empty for a numeric question. A choice may
    continue on indented lines.
    """
    lines = [line.rstrip() for line in lines]
    if lines.count(SEPARATOR) != 1:
        raise SelfCheckError(f"a self-check needs exactly one line '{SEPARATOR}' between the "
                             f"question and its explanation (found {lines.count(SEPARATOR)})")
    split = lines.index(SEPARATOR)
    question, explanation = lines[:split], lines[split + 1:]
    if not ''.join(explanation).strip():
        raise SelfCheckError(f"the explanation after '{SEPARATOR}' is empty: say why the answer is right")
    first = next((i for i, line in enumerate(question) if CHOICE.match(line)), len(question))
    prompt, choices = question[:first], []
    for line in question[first:]:
        match = CHOICE.match(line)
        if match:
            choices.append([match.group('text').strip(), match.group('mark') != ' '])
        elif line.startswith((' ', '\t')) and choices:
            choices[-1][0] += ' ' + line.strip()
        elif line.strip():
            raise SelfCheckError(f'the line {line.strip()!r} follows the choices: put the whole '
                                 f'question before the "- [ ]" / "- [x]" lines')
    if not ''.join(prompt).strip():
        raise SelfCheckError('the self-check has no question before its choices or explanation')
    return prompt, [tuple(choice) for choice in choices], explanation


def parse_number(text):
    """A glued text/plain value as an int or a float, or None if it is not a plain number."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def resolve_answer(glue_by_framework, key, docname):
    """The numeric answer glued under ``key`` on page ``docname``; both frameworks must agree.

    ``glue_by_framework`` maps framework -> glue key -> text/plain value (``env.framework_glue``).
    """
    where = f"the self-check answer '{key}' on page '{docname}'"
    if not glue_by_framework:
        raise SelfCheckError(f'{where} cannot be read: the page glued no values (it runs no code, '
                             f'or its notebooks failed). Glue it in a hidden cell of the page: '
                             f"glue('{key}', value, display=False)")
    missing = [FRAMEWORKS.get(fw, fw) for fw in FRAMEWORKS if key not in glue_by_framework.get(fw, {})]
    if missing:
        raise SelfCheckError(f'{where} is not glued in the {" and ".join(missing)} notebook: add '
                             f"glue('{key}', value, display=False) to a hidden cell that runs in "
                             f'both frameworks (or one per framework)')
    values = {}
    for fw in FRAMEWORKS:
        text = glue_by_framework[fw][key]
        value = parse_number(text)
        if value is None:
            raise SelfCheckError(f'{where} is not a plain number in the {FRAMEWORKS[fw]} notebook '
                                 f'({text!r}): glue int(...) or float(...) of it')
        values[fw] = value
    if len(set(values.values())) > 1:
        shown = ', '.join(f'{FRAMEWORKS[fw]}: {value!r}' for fw, value in values.items())
        raise SelfCheckError(f'the frameworks disagree on {where} ({shown}): a numeric answer must '
                             f'be the same in both. Glue a value both compute exactly (round it, '
                             f'or count something), or ask another question')
    return values[next(iter(FRAMEWORKS))]


def answer_text(value, spec=''):
    """The answer as the page shows it, with an optional format spec (``,d``, ``.2f``)."""
    return format(value, spec) if spec else str(value)


def tolerance_for(value, spec='', tolerance=None):
    """How far a reader's number may be from the answer: exact for integers, else half a unit
    of the last digit shown (or ``tolerance`` when given)."""
    if tolerance is not None:
        return float(tolerance)
    if isinstance(value, int) or float(value).is_integer():
        return 0.0
    shown = answer_text(value, spec)
    if not spec or not re.fullmatch(r'-?[\d,]+(\.\d+)?', shown):
        raise SelfCheckError(f'the answer {value!r} is not an integer: give :format: (e.g. .2f) '
                             f'or :tolerance: so that a reader can type it')
    digits = len(shown.partition('.')[2])
    return 0.5 * 10 ** -digits


def choice_answer_text(choices):
    """The right choices of a multiple-choice question, by letter: '(b)' or '(a), (c)'."""
    return ', '.join(f'({LETTERS[i]})' for i, (_, correct) in enumerate(choices) if correct)


def check_choices(choices):
    if len(choices) < 2:
        raise SelfCheckError('a multiple-choice self-check needs at least two "- [ ]" / "- [x]" '
                             'choices (or give :answer-glue: for a numeric question)')
    if len(choices) > len(LETTERS):
        raise SelfCheckError(f'a self-check has at most {len(LETTERS)} choices')
    if not any(correct for _, correct in choices):
        raise SelfCheckError('no choice is marked right: mark it "- [x]"')


# --- docutils nodes and their HTML ------------------------------------------------------------

class self_check(nodes.General, nodes.Element):
    """The whole question: a <form> around a <fieldset>."""


class self_check_input(nodes.General, nodes.Element):
    """The labelled number field of a numeric question."""


class self_check_choices(nodes.General, nodes.Element):
    """The group of choices of a multiple-choice question."""


class self_check_choice(nodes.General, nodes.Element):
    """One choice: a radio button (or checkbox) and its label."""


class self_check_controls(nodes.General, nodes.Element):
    """The Check and Show-answer buttons and the feedback line read out by screen readers."""


class self_check_answer(nodes.General, nodes.Element):
    """The answer and explanation, in a <details> that is collapsed until the reader answers."""


def _attr(value):
    return html.escape(str(value), quote=True)


def visit_self_check(self, node):
    data = ' '.join(f'data-{name}="{_attr(node[name])}"' for name in ('kind', 'answer', 'tolerance')
                    if node.get(name) is not None)
    self.body.append(f'<form class="self-check" id="{node["form_id"]}" {data} novalidate>'
                     f'<fieldset><legend class="self-check-title">Question {node["number"]}</legend>')


def depart_self_check(self, node):
    self.body.append('</fieldset></form>\n')


def visit_self_check_input(self, node):
    base = node['base_id']
    self.body.append(
        f'<div class="self-check-response" data-self-check-live hidden>'
        f'<label for="{base}-input">Your answer</label> '
        f'<input type="text" id="{base}-input" class="self-check-number" inputmode="decimal" '
        f'autocomplete="off" spellcheck="false" aria-describedby="{base}-question"></div>')
    raise nodes.SkipNode


def visit_self_check_choices(self, node):
    role = 'group' if node['multiple'] else 'radiogroup'
    hint = ('<p class="self-check-hint">Select every right answer.</p>' if node['multiple'] else '')
    self.body.append(f'{hint}<div class="self-check-choices" role="{role}" '
                     f'aria-labelledby="{node["base_id"]}-question">')


def depart_self_check_choices(self, node):
    self.body.append('</div>')


def visit_self_check_choice(self, node):
    kind = 'checkbox' if node['multiple'] else 'radio'
    choice_id = f'{node["base_id"]}-choice-{node["index"]}'
    self.body.append(f'<div class="self-check-choice"><input type="{kind}" id="{choice_id}" '
                     f'name="{node["base_id"]}-choice" value="{node["index"]}">'
                     f'<label for="{choice_id}"><span class="self-check-letter">'
                     f'({LETTERS[node["index"]]})</span> ')


def depart_self_check_choice(self, node):
    self.body.append('</label></div>')


def visit_self_check_controls(self, node):
    self.body.append(
        '<div class="self-check-controls" data-self-check-live hidden>'
        '<button type="submit" class="self-check-submit">Check</button> '
        '<button type="button" class="self-check-reveal" hidden>Show answer</button></div>'
        '<p class="self-check-feedback" role="status" aria-live="polite"></p>')
    raise nodes.SkipNode


def visit_self_check_answer(self, node):
    self.body.append('<details class="self-check-answer"><summary>Answer and explanation</summary>')


def depart_self_check_answer(self, node):
    self.body.append('</details>')


def _visit_children(self, node):
    pass


def _skip(self, node):
    raise nodes.SkipNode


class SelfCheck(SphinxDirective):
    """``{self-check}``: a numeric (``:answer-glue:``) or multiple-choice question."""

    has_content = True
    option_spec = {'answer-glue': directives.unchanged_required,
                   'format': directives.unchanged,
                   'tolerance': directives.unchanged}

    def run(self):
        try:
            return self._build()
        except SelfCheckError as error:
            raise self.error(f"self-check on page '{self.env.docname}': {error}")

    def _build(self):
        prompt, choices, explanation = parse_content(list(self.content))
        key, spec = self.options.get('answer-glue'), self.options.get('format', '')
        number = self.env.new_serialno('self-check') + 1
        base = f'self-check-{number}'
        form = self_check(form_id=base, number=number)
        self.set_source_info(form)
        question = nodes.container(classes=['self-check-question'], ids=[f'{base}-question'])
        self._parse(prompt, question)
        form += question
        answer = self_check_answer()
        if key:
            if choices:
                raise SelfCheckError('a question with :answer-glue: is numeric: remove its choices, '
                                     'or drop :answer-glue: for a multiple-choice question')
            try:
                tolerance = float(self.options['tolerance']) if 'tolerance' in self.options else None
            except ValueError:
                raise SelfCheckError(f":tolerance: must be a number, not {self.options['tolerance']!r}")
            value = resolve_answer(getattr(self.env, 'framework_glue', {}).get(self.env.docname), key,
                                   self.env.docname)
            form['kind'], form['answer'] = 'numeric', repr(value)
            form['tolerance'] = repr(tolerance_for(value, spec, tolerance))
            form += self_check_input(base_id=base)
            shown = answer_text(value, spec)
        else:
            check_choices(choices)
            multiple = sum(correct for _, correct in choices) > 1
            group = self_check_choices(base_id=base, multiple=multiple)
            for index, (text, _) in enumerate(choices):
                choice = self_check_choice(base_id=base, index=index, multiple=multiple)
                choice += self._inline(text)
                group += choice
            form += group
            form['kind'] = 'multiple' if multiple else 'single'
            form['answer'] = ','.join(str(i) for i, (_, correct) in enumerate(choices) if correct)
            shown = choice_answer_text(choices)
        form += self_check_controls()
        key_line = nodes.paragraph(classes=['self-check-key'])
        key_line += nodes.Text('Answer: ')
        key_line += nodes.strong(shown, shown)
        answer += key_line
        explained = nodes.container(classes=['self-check-explanation'])
        self._parse(explanation, explained)
        answer += explained
        form += answer
        return [form]

    def _parse(self, lines, parent):
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]),
                                self.content_offset, parent)

    def _inline(self, text):
        holder = nodes.container()
        self._parse([text], holder)
        if len(holder) == 1 and isinstance(holder[0], nodes.paragraph):
            return holder[0].children
        return holder.children


@fallbacks.register('self-check')
def notebook_markdown(arg, options, content, context):
    """A learner notebook's self-check: the question as text, answer and explanation in <details>."""
    prompt, choices, explanation = parse_content(content.splitlines())
    convert = context['convert']
    parts = ['**Check yourself.** ' + convert('\n'.join(prompt)).strip()]
    key = options.get('answer-glue')
    if key:
        glue = context['glue']
        value = parse_number(glue[key]) if key in glue else None
        if value is None:
            raise KeyError(f'self-check answer {key!r} is not glued as a number on this page')
        shown = answer_text(value, options.get('format', ''))
    else:
        if sum(correct for _, correct in choices) > 1:
            parts.append('*Select every right answer.*')
        parts.append('\n'.join(f'- ({LETTERS[i]}) {convert(text).strip()}'
                                for i, (text, _) in enumerate(choices)))
        shown = choice_answer_text(choices)
    parts.append('<details>\n<summary>Answer and explanation</summary>\n\n'
                 f'**Answer:** {shown}\n\n{convert(chr(10).join(explanation)).strip()}\n\n</details>')
    return '\n\n'.join(parts) + '\n'


def add_static_path(app):
    import pathlib
    static = str(pathlib.Path(__file__).parent / 'static')
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)


def setup(app):
    html_handlers = {
        self_check: (visit_self_check, depart_self_check),
        self_check_input: (visit_self_check_input, None),
        self_check_choices: (visit_self_check_choices, depart_self_check_choices),
        self_check_choice: (visit_self_check_choice, depart_self_check_choice),
        self_check_controls: (visit_self_check_controls, None),
        self_check_answer: (visit_self_check_answer, depart_self_check_answer),
    }
    for node, (visit, depart) in html_handlers.items():
        leaf = depart is None
        other = (_skip, None) if leaf else (_visit_children, _visit_children)
        app.add_node(node, html=(visit, depart), latex=other, text=other, man=other, texinfo=other)
    app.add_directive('self-check', SelfCheck)
    app.add_css_file('selfcheck.css')
    app.add_js_file('selfcheck.js', loading_method='defer')
    app.connect('builder-inited', add_static_path)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
