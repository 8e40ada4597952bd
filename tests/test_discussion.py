"""book_ext.discussion: every link built from book_repository, for this book and for a fork."""
import types
import urllib.parse

import pytest
import yaml

from book_ext import discussion
from conftest import ROOT

BOOK = yaml.safe_load((ROOT / '_config.yml').read_text())['sphinx']['config']['book_repository']
FORK = 'https://github.com/someone-else/my-cnn-notes'


def query(url):
    parts = urllib.parse.urlsplit(url)
    return f'{parts.scheme}://{parts.netloc}{parts.path}', urllib.parse.parse_qs(parts.query)


@pytest.mark.parametrize('repository', [BOOK, FORK, FORK + '/', FORK + '.git'])
def test_discussion_search_finds_the_section_thread_in_its_category(repository):
    url, params = query(discussion.discussion_search_url(repository, 'Sections', 'Padding and Stride'))
    assert url == f'{FORK if "someone" in repository else BOOK}/discussions'
    assert params == {'discussions_q': ['category:Sections in:title "Padding and Stride"']}


def test_a_category_name_with_spaces_is_quoted_and_slugged():
    _, params = query(discussion.discussion_search_url(FORK, 'Book sections', 'Pooling'))
    assert params['discussions_q'] == ['category:"Book sections" in:title "Pooling"']
    url, params = query(discussion.new_discussion_url(FORK, 'Book sections', 'Pooling',
                                                      'https://someone-else.github.io/x/chapters/pooling.html'))
    assert url == f'{FORK}/discussions/new'
    assert params['category'] == ['book-sections'] and params['title'] == ['Pooling']
    assert params['body'] == ['About [Pooling](https://someone-else.github.io/x/chapters/pooling.html):\n\n']


@pytest.mark.parametrize('repository', [BOOK, FORK])
def test_theme_buttons_point_at_the_repository(repository):
    urls = discussion.theme_button_urls(repository, 'main', 'chapters/pooling')
    assert urls['repository'] == repository
    assert urls['edit'] == f'{repository}/edit/main/chapters/pooling.md'
    assert urls['issues'].startswith(f'{repository}/issues/new?title=')
    assert 'chapters/pooling.html' in urllib.parse.unquote(urls['issues'])


def test_configure_theme_sets_the_theme_options_from_book_repository():
    config = types.SimpleNamespace(book_repository=FORK + '/', book_source_branch='trunk',
                                   html_theme_options={'repository_url': 'https://github.com/executablebooks/jupyter-book',
                                                       'repository_branch': 'master', 'path_to_docs': 'docs'})
    discussion.configure_theme(None, config)
    assert config.html_theme_options == {
        'repository_url': FORK, 'repository_branch': 'trunk', 'path_to_docs': '',
        'use_repository_button': True, 'use_issues_button': True, 'use_edit_page_button': True}


@pytest.mark.parametrize('bad', ['github.com/owner/name', 'https://github.com', 'owner/name'])
def test_a_malformed_repository_says_what_it_should_look_like(bad):
    with pytest.raises(ValueError, match='https://github.com/OWNER/NAME'):
        discussion.repository_url(bad)
