"""Which cell errors are not the chapter's fault (offline downloads, packages with no build)."""

import pytest

from harness.doc.unavailable import reason


@pytest.mark.parametrize("error, words", [
    ({"type": "URLError", "message": "<urlopen error [Errno -3] Temporary failure in name "
                                     "resolution>"}, "download"),
    ({"type": "ConnectionError", "message": "HTTPSConnectionPool(host='d2l-data...')"},
     "download"),
    ({"type": "OSError", "message": "[Errno -2] Name or service not known"}, "download"),
    ({"type": "ModuleNotFoundError", "message": "No module named 'torchvision'"}, "CPU build"),
    ({"type": "ModuleNotFoundError", "message": "No module named 'torchvision.transforms'"},
     "CPU build"),
    ({"type": "RuntimeError", "message": "operator torchvision::nms does not exist"},
     "CPU build"),
])
def test_errors_outside_the_chapter_have_a_reason(error, words):
    assert words in reason(error)


@pytest.mark.parametrize("error", [
    None, {"type": "ValueError", "message": "boom"},
    {"type": "ModuleNotFoundError", "message": "No module named 'tensorflow_probability'"},
    {"type": "TypeError", "message": "stem() got an unexpected keyword argument"},
])
def test_the_chapter_s_own_errors_stay_errors(error):
    assert reason(error) is None
