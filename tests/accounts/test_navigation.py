from carte.core import navigation


def keys(user):
    return {link.key for link in navigation.visible_links(navigation.settings_pages, user)}


def test_settings_pages_show_to_those_with_the_right(ada, mia, alice, hr):
    assert {"employees", "departments", "roles", "audit"} <= keys(ada)
    assert {"roles", "audit"} <= keys(mia) and not {"employees", "departments"} & keys(mia)
    assert not {"employees", "departments", "roles", "audit"} & keys(alice)
    assert "employees" in keys(hr) and "roles" not in keys(hr)
