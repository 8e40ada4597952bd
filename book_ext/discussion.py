"""Where readers talk about a page: the theme's repository buttons and a discussion per section.

Everything is built from one setting, ``book_repository`` (a GitHub URL, in ``_config.yml``), so
a fork that changes it points every link at itself:

* the theme's header buttons (repository, open an issue, suggest an edit of this page's source);
* "Discuss this section" at the end of every page: GitHub Discussions, searched for the page's
  title within one category (``book_discussion_category``), next to a link that starts that
  thread with the title filled in.

Why a search rather than only a "new discussion" link: a section should have one thread that
every reader finds, as in D2L. The search shows the existing thread and its answers first; the
prefilled link gives a new thread the exact title the search looks for, so the first reader who
opens it does not split the discussion. Both need nothing but the repository's Discussions.
"""
import re
import urllib.parse

from docutils import nodes
from sphinx.transforms import SphinxTransform


def repository_parts(repository):
    """``https://github.com/owner/name`` -> ('https://github.com', 'owner', 'name')."""
    parts = repository.strip().rstrip('/').removesuffix('.git').rsplit('/', 2)
    if len(parts) != 3 or not parts[0].startswith(('https://', 'http://')) or '' in parts:
        raise ValueError(f'book_repository must look like https://github.com/OWNER/NAME, '
                         f'not {repository!r}')
    return tuple(parts)


def repository_url(repository):
    return '/'.join(repository_parts(repository))


def category_slug(category):
    """GitHub's URL form of a discussion category name: 'Book sections' -> 'book-sections'."""
    return re.sub(r'[^a-z0-9]+', '-', category.lower()).strip('-')


def discussion_search_url(repository, category, title):
    """GitHub Discussions, searched for threads titled ``title`` in ``category``."""
    quoted = f'"{category}"' if ' ' in category else category
    query = f'category:{quoted} in:title "{title}"'
    return f'{repository_url(repository)}/discussions?' + urllib.parse.urlencode({'discussions_q': query})


def new_discussion_url(repository, category, title, page_url):
    """A new discussion in ``category`` with the section's title and a link to it filled in."""
    params = {'category': category_slug(category), 'title': title,
              'body': f'About [{title}]({page_url}):\n\n'}
    return f'{repository_url(repository)}/discussions/new?' + urllib.parse.urlencode(params)


def theme_button_urls(repository, branch, docname, suffix='.md'):
    """The targets of sphinx-book-theme's repository, issue and edit buttons on page ``docname``,
    as the theme builds them from the options that ``configure_theme`` sets."""
    repo = repository_url(repository)
    return {'repository': repo,
            'issues': f'{repo}/issues/new?title=Issue%20on%20page%20%2F{docname}.html'
                      f'&body=Your%20issue%20content%20here.',
            'edit': f'{repo}/edit/{branch}/{docname}{suffix}'}


def configure_theme(app, config):
    """Point the theme's repository buttons at ``book_repository`` (the one place to change)."""
    options = config.html_theme_options
    options.update(repository_url=repository_url(config.book_repository),
                   repository_branch=config.book_source_branch, path_to_docs='',
                   use_repository_button=True, use_issues_button=True, use_edit_page_button=True)


class DiscussLink(SphinxTransform):
    """"Discuss this section" at the end of every page."""

    default_priority = 520

    def apply(self, **kwargs):
        section = next(self.document.findall(nodes.section), None)
        if section is None:
            return
        title = next(section.findall(nodes.title)).astext()
        config = self.config
        page_url = f"{config.book_site_url.rstrip('/')}/{self.env.docname}.html"
        category = config.book_discussion_category
        paragraph = nodes.paragraph(classes=['discuss-section'])
        paragraph += nodes.reference('', 'Discuss this section', classes=['discuss-link'],
                                     refuri=discussion_search_url(config.book_repository, category, title))
        paragraph += nodes.Text(' on GitHub: questions, answers and errata from other readers. No thread '
                                'yet? ')
        paragraph += nodes.reference('', 'Start it', classes=['discuss-new'],
                                     refuri=new_discussion_url(config.book_repository, category,
                                                               title, page_url))
        paragraph += nodes.Text('.')
        section += paragraph


def setup(app):
    for name, default in (('book_repository', 'https://github.com/example/cnn-book'),
                          ('book_site_url', 'https://example.org/cnn-book')):
        if name not in app.config.values:  # registered by book_ext itself; here for standalone use
            app.add_config_value(name, default, 'html')
    app.add_config_value('book_source_branch', 'main', 'html')  # the branch that "edit" opens
    app.add_config_value('book_discussion_category', 'Sections', 'html')
    app.connect('config-inited', configure_theme)
    app.add_transform(DiscussLink)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
