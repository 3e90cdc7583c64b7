"""The README's Python examples run as written (from the repository root)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def python_blocks():
    text = README.read_text()
    section = text.split("## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_python_examples():
    assert python_blocks(), "the README's Python section has no ```python block"


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index, monkeypatch):
    monkeypatch.chdir(ROOT)
    ns: dict = {}
    exec(compile(python_blocks()[index], f"README.md python block {index + 1}", "exec"), ns)
    if index == 0:
        # The first example keeps all three indicators it names.
        assert sorted(i.kind for i in ns["iocs"]) == ["domain", "ipv4", "url"]
        assert ns["alerts"], "the bundled auth.log has a brute-force episode"
        assert ns["enrichers"].enrich("198.51.100.23")[0].verdict == "malicious"
        assert ns["fw"].block("203.0.113.7")["commands"][0][0] == "nft"
        assert ns["run"]["ok"] is True and ns["run"]["alerts_new"] > 0
