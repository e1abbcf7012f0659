"""Warn when a chapter sets a matplotlib attribute that matplotlib no longer has.

`ax.dist = 12` configured the 3-D camera distance until matplotlib 3.8 removed it;
now Python just stores the number and nothing changes: tomorrow's silent breakage.
Only assignments made by the chapter's own code are checked (matplotlib itself sets
new attributes freely), and they become a `UserWarning` the kernel reports with the
chapter line.
"""

import sys
import warnings

CHAPTER = {"filename": None}    # set by the kernel: the chapter file cells run as


def patch_artist(artist_module) -> None:
    cls = artist_module.Artist
    original = cls.__setattr__

    def __setattr__(self, name, value):
        caller = sys._getframe(1).f_code.co_filename
        if (caller == CHAPTER["filename"] and not name.startswith("_")
                and name not in self.__dict__ and not hasattr(type(self), name)):
            import matplotlib
            warnings.warn(f"{type(self).__name__}.{name} is not an attribute of matplotlib "
                          f"{matplotlib.__version__}: setting it does nothing",
                          UserWarning, stacklevel=2)
        original(self, name, value)

    cls.__setattr__ = __setattr__
