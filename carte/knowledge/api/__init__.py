"""The knowledge app's API: articles, onboardings and the setup checklist, each a router of its own."""

from ninja import Router

from carte.knowledge.api import articles
from carte.knowledge.api import onboarding as onboarding_api
from carte.knowledge.api import setup as setup_api

router = Router()

router.add_router("", articles.router)
router.add_router("", onboarding_api.router)
router.add_router("", setup_api.router)
