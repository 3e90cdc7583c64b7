import pickle
import threading

import pytest

import soc_core
from soc_core import Indicator, defang, extract_iocs, extract_iocs_from_file, refang


def test_extracts_defanged_url_and_host():
    found = extract_iocs("C2: hxxps://evil[.]example[.]com/gate.php, then 8.8.8.8 and 8.8.8.8")
    assert [(i.kind, i.value) for i in found] == [
        ("url", "https://evil.example.com/gate.php"),
        ("domain", "evil.example.com"),
        ("ipv4", "8.8.8.8"),
    ]
    url, host, ip = found
    assert url.defanged and url.raw == "hxxps://evil[.]example[.]com/gate.php"
    assert url.start == 4 and url.end == 4 + len(url.raw)
    assert "from_url" in host.tags
    assert ip.count == 2


def test_kinds_and_allow():
    text = "10.1.2.3 9.9.9.9 mail.example.com evil.example.net CVE-2021-44228"
    assert [i.value for i in extract_iocs(text, kinds=["ipv4"])] == ["10.1.2.3", "9.9.9.9"]
    assert [i.value for i in extract_iocs(text, kinds="cve")] == ["CVE-2021-44228"]
    vals = [i.value for i in extract_iocs(text, allow=["10.0.0.0/8", "example.com"])]
    assert vals == ["9.9.9.9", "evil.example.net", "CVE-2021-44228"]
    assert [i.value for i in extract_iocs(text, kinds="ipv4", no_private=True)] == ["9.9.9.9"]


def test_unknown_kind_raises_ioc_error():
    with pytest.raises(soc_core.IocError, match="ipv5"):
        extract_iocs("x", kinds=["ipv5"])
    assert issubclass(soc_core.IocError, soc_core.SocError)
    with pytest.raises(soc_core.IocError):
        extract_iocs("x", allow=["not valid!"])
    with pytest.raises(TypeError):
        extract_iocs("x", kinds=5)


def test_file_and_missing_file(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xff bad bytes then evil[.]example.org and d41d8cd98f00b204e9800998ecf8427e")
    found = extract_iocs_from_file(p)
    assert [(i.kind, i.value) for i in found] == [
        ("domain", "evil.example.org"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ]
    with pytest.raises(FileNotFoundError):
        extract_iocs_from_file(tmp_path / "missing.txt")


def test_indicator_object_protocols():
    (ind,) = extract_iocs("see 198.51.100.7")
    assert ind.to_dict() == {
        "kind": "ipv4", "value": "198.51.100.7", "raw": "198.51.100.7", "start": 4,
        "end": 16, "defanged": False, "count": 1, "tags": ["documentation"],
    }
    assert repr(ind) == "Indicator(kind='ipv4', value='198.51.100.7', count=1, start=4)"
    clone = pickle.loads(pickle.dumps(ind))
    assert clone == ind and clone.tags == ["documentation"]
    assert ind != Indicator("ipv4", "198.51.100.8")
    assert Indicator("domain", "a.example.com").raw == "a.example.com"
    with pytest.raises(soc_core.IocError):
        Indicator("nope", "x")


def test_refang_defang():
    assert refang("hxxp://a[.]example[.]com and b[at]example[dot]org") == (
        "http://a.example.com and b@example.org"
    )
    assert defang("https://evil.example.com/x") == "hxxps://evil[.]example[.]com/x"
    assert defang("203.0.113.9", kind="ipv4") == "203.0.113[.]9"
    (ind,) = extract_iocs("bob@evil.example.com")
    assert defang(ind) == ind.defang() == "bob[@]evil[.]example[.]com"
    assert refang(defang(ind)) == ind.value


def test_runs_in_threads():
    text = "evil[.]example[.]com 8.8.8.8 " * 2000
    results = []
    threads = [threading.Thread(target=lambda: results.append(len(extract_iocs(text)))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2, 2, 2, 2]


def test_kinds_constant_matches_the_extractor():
    # The extractor names every kind it knows when it rejects one.
    with pytest.raises(soc_core.IocError) as err:
        extract_iocs("x", kinds=["nope"])
    known = str(err.value).split("known kinds: ")[-1].strip().rstrip(")").split(",")
    assert sorted(known) == sorted(soc_core.KINDS)
    for kind in soc_core.KINDS:
        extract_iocs("x", kinds=[kind])


def test_stub_kind_names_are_the_runtime_kinds():
    # The stub's Literal is the one static copy of the kind names (type
    # checkers cannot read Rust); it must be KINDS, in order.
    import ast
    import pathlib

    stub = pathlib.Path(soc_core.iocs.__file__).with_suffix(".pyi")
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "IndicatorKindName":
            names = tuple(e.value for e in node.value.slice.elts)
            break
    else:
        pytest.fail(f"no IndicatorKindName in {stub}")
    assert names == soc_core.KINDS
    assert soc_core.KINDS == soc_core._native.KINDS


def test_new_kinds_and_encoded_urls():
    text = (
        "imphash: 18ddf28a71089acdbab5038f58044c0a TLP:AMBER+STRICT "
        "aHR0cDovL2V4YW1wbGUuY29tL3NvbWUvdXJs ltc1qr07zu594qf63xm7l7x6pu3a2v39m2z6hh5pp4t"
    )
    found = {(i.kind, i.value): i for i in extract_iocs(text)}
    assert ("imphash", "18ddf28a71089acdbab5038f58044c0a") in found
    assert ("md5", "18ddf28a71089acdbab5038f58044c0a") not in found
    assert ("tlp", "TLP:AMBER+STRICT") in found
    url = found[("url", "http://example.com/some/url")]
    assert url.tags == ["base64"] and url.raw.startswith("aHR0c")
    assert ("ltc", "ltc1qr07zu594qf63xm7l7x6pu3a2v39m2z6hh5pp4t") in found
