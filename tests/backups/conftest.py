import pytest

from tests.backups.files import fill_company, point_folders


@pytest.fixture
def folders(settings, tmp_path):
    """MEDIA_ROOT and the backup folder of the test, under tmp_path."""
    return point_folders(settings, tmp_path)


@pytest.fixture
def company(folders):
    """A small company with attachments, committed (the tests using it run with transaction=True)."""
    fill_company(folders.media)
    return folders
