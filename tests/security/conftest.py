"""The rights matrix's world (its personas and one record of every kind), for the security tests that
go through the matrix's rows; a module may define a `world` of its own instead."""

from tests.test_rights_matrix import shared_world, world  # noqa: F401 - fixtures, found here by pytest
