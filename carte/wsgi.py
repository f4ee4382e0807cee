import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carte.settings")
application = get_wsgi_application()
# Everything loaded at start-up lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise stall one request in ten by tens of milliseconds.
gc.freeze()
