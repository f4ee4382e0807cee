"""Imports and exports in the REST API: one router made of each part's."""

from ninja import Router

from carte.transfer.api import exports, imports

router = Router()
router.add_router("/", imports.router)
router.add_router("/", exports.router)
