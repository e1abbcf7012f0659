"""Cells that cannot run here for a reason outside the chapter and the harness.

Doc mode runs offline: a cell that downloads a data set fails with a network error,
and a cell that imports a package with no build for this machine (torchvision for
the CPU torch, see pyproject.toml's doc-extras) fails to import it. Neither says
anything about the tabs agreeing, so such an error becomes a `not_compared` finding
with the reason, instead of an `error` that fails the chapter.
"""

import re

NETWORK_ERRORS = {"URLError", "HTTPError", "gaierror", "ConnectionError", "ConnectTimeout",
                  "ConnectionRefusedError", "NewConnectionError", "MaxRetryError",
                  "OfflineDownloadError", "ProxyError", "SSLError"}
NETWORK_TEXT = re.compile(r"Temporary failure in name resolution|Name or service not known|"
                          r"Network is unreachable|nodename nor servname|No route to host|"
                          r"needs a download", re.IGNORECASE)
# Packages the book's tabs import that no environment here can offer, and why.
NO_BUILD = {"torchvision": "torchvision has no CPU build for torch 2.13 on PyPI (only on "
                           "PyTorch's CPU index; see pyproject.toml, [tool.harness.doc-extras])"}
_MODULE = re.compile(r"No module named '([\w.]+)'")


def reason(error: dict | None) -> str | None:
    """Why a cell's error is not the chapter's fault, or None if it may be."""
    if not error:
        return None
    kind, message = error.get("type") or "", str(error.get("message") or "")
    if kind in NETWORK_ERRORS or NETWORK_TEXT.search(message):
        return f"needs a download, and doc mode runs offline ({kind}: {message[:200]})"
    if "operator torchvision::" in message:       # PyPI's torchvision beside the CPU torch
        return NO_BUILD["torchvision"]
    m = _MODULE.search(message) if kind in ("ModuleNotFoundError", "ImportError") else None
    if m and m.group(1).split(".")[0] in NO_BUILD:
        return NO_BUILD[m.group(1).split(".")[0]]
    return None


def reclassify(findings, groups, runs) -> None:
    """Turn error findings that `reason` explains into not_compared findings, in place."""
    for f in findings:
        if f.get("kind") != "error" or f.get("group") is None:
            continue
        cells = groups[f["group"]]["cells"]
        why = None
        for tab in f.get("tabs", []):
            reply = runs[tab].cells.get(cells[tab].index) if tab in runs and tab in cells else None
            why = why or reason((reply or {}).get("error"))
        if why:
            f["kind"], f["reason"] = "not_compared", why
            f["what"] = "cell not compared: " + why.split(" (")[0]
