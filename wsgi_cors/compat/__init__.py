"""Option translations for the drop-ins, with no framework import: each maps another
library's option names, defaults and value conventions onto :class:`~wsgi_cors.CORSConfig`."""
