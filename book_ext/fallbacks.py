"""How directives that need a browser appear in learner notebooks: each registers a static stand-in.

An interactive figure or self-check is live only in the HTML book. In a notebook, ``colab``
replaces its directive by the Markdown that the directive's module registered here (for example
an image of the figure and a link to the live page).
"""
NOTEBOOK_MARKDOWN = {}  # directive name -> function(arg, options, content, context) -> Markdown


def register(name):
    """Decorator: ``function(arg, options, content, context)`` gives ``name``'s notebook Markdown.

    ``context`` has ``site`` (the book's URL), ``page_url`` (the live page), ``glue`` (the
    notebook's glue values by key), ``framework`` and ``convert`` (MyST -> notebook Markdown).
    """
    def decorate(function):
        NOTEBOOK_MARKDOWN[name] = function
        return function
    return decorate
