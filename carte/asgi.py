import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carte.settings")
application = get_asgi_application()
# Everything loaded at start-up lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise stall one request in ten by tens of milliseconds.
gc.freeze()
