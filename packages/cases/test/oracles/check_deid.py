"""Independent check of a de-identified export with pydicom (tests/deidentify.test.ts runs it).

usage: check_deid.py <profile_table.ts> <original_imaging_dir> <deid_imaging_dir> <date_shift_days>

For every original DICOM file and its de-identified counterpart (same relative path):
- every attribute named by PS3.15 Table E.1-1 (parsed from the table file's `TAG ACTION NAME` lines) that had a
  non-empty value in the original must not appear anywhere in the output (any depth) with that same value;
- no private (odd group) attribute, curve (50xx) or overlay data/comments (60xx,3000/4000) remains;
- PatientIdentityRemoved is YES and DeidentificationMethodCodeSequence holds DCM 113100;
- every UID the table marks U is a 2.25.<integer> UID in the output, and the original→new mapping is the
  same in every file and one-to-one;
- DA values of the top level (StudyDate, SeriesDate, AcquisitionDate, ContentDate) moved by exactly the shift.
Prints one JSON object: {checked_files, checked_attributes, violations, uid_map}.
"""
import json
import os
import re
import sys
from datetime import date, timedelta

import pydicom

table_file, orig_dir, deid_dir, shift_days = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = {}
for line in open(table_file, encoding="utf8"):
    m = re.match(r"^([0-9A-F]{8}) (\S+) (.+)$", line.strip())
    if m:
        rows[int(m.group(1), 16)] = (m.group(2), m.group(3))


def all_elements(ds):
    for el in ds.iterall():
        yield el


def value_key(el):
    v = el.value
    if v is None or v == "" or (isinstance(v, (list, pydicom.multival.MultiValue)) and len(v) == 0):
        return None
    if el.VR == "SQ":
        return None  # sequences are judged by their items' attributes
    if isinstance(v, bytes):
        return v
    return str(v)


violations = []
uid_map = {}
checked_files = 0
checked_attrs = 0
for dirpath, _, files in os.walk(orig_dir):
    for f in sorted(files):
        src = os.path.join(dirpath, f)
        rel = os.path.relpath(src, orig_dir)
        dst = os.path.join(deid_dir, rel)
        if not os.path.exists(dst):
            violations.append(f"{rel}: missing from the export")
            continue
        o = pydicom.dcmread(src, force=True)
        d = pydicom.dcmread(dst)
        checked_files += 1
        out_values = {}
        for el in all_elements(d):
            out_values.setdefault(int(el.tag), set()).add(value_key(el))
            g = el.tag.group
            if g % 2 == 1:
                violations.append(f"{rel}: private attribute {el.tag} survived")
            if 0x5000 <= g <= 0x501E or (0x6000 <= g <= 0x601E and el.tag.element in (0x3000, 0x4000)):
                violations.append(f"{rel}: curve/overlay attribute {el.tag} survived")
        for el in all_elements(o):
            t = int(el.tag)
            if t not in rows:
                continue
            k = value_key(el)
            if k is None:
                continue
            checked_attrs += 1
            action, name = rows[t]
            if k in out_values.get(t, set()):
                violations.append(f"{rel}: {name} {el.tag} ({action}) survived with its original value {k!r}")
            if action == "U":
                olds = list(el.value) if el.VM > 1 else [el.value]
                for old in olds:
                    uid_map.setdefault(str(old), set())
        # UIDs: pair the top-level U attributes
        for t, (action, name) in rows.items():
            if action != "U" or t not in o or t not in d:
                continue
            olds = [str(x) for x in (o[t].value if o[t].VM > 1 else [o[t].value])]
            news = [str(x) for x in (d[t].value if d[t].VM > 1 else [d[t].value])]
            for old, new in zip(olds, news):
                if not re.match(r"^2\.25\.\d+$", new):
                    violations.append(f"{rel}: {name} is {new!r}, not a 2.25 UID")
                uid_map.setdefault(old, set()).add(new)
        if o.file_meta.get("MediaStorageSOPInstanceUID") and d.file_meta.MediaStorageSOPInstanceUID != d.SOPInstanceUID:
            violations.append(f"{rel}: MediaStorageSOPInstanceUID differs from SOPInstanceUID")
        if d.get("PatientIdentityRemoved") != "YES":
            violations.append(f"{rel}: PatientIdentityRemoved is not YES")
        codes = [i.CodeValue for i in d.get("DeidentificationMethodCodeSequence", [])]
        if "113100" not in codes:
            violations.append(f"{rel}: DeidentificationMethodCodeSequence lacks 113100")
        if not d.get("DeidentificationMethod"):
            violations.append(f"{rel}: DeidentificationMethod is empty")
        for kw in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
            ov = o.get(kw)
            if ov and len(str(ov)) == 8:
                want = (date(int(ov[0:4]), int(ov[4:6]), int(ov[6:8])) + timedelta(days=shift_days)).strftime("%Y%m%d")
                if d.get(kw) != want:
                    violations.append(f"{rel}: {kw} is {d.get(kw)!r}, expected {want} ({ov} shifted {shift_days} days)")

flat = {}
for old, news in uid_map.items():
    if len(news) > 1:
        violations.append(f"UID {old} was mapped to {len(news)} different UIDs: {sorted(news)}")
    if news:
        flat[old] = sorted(news)[0]
if len(set(flat.values())) != len(flat):
    violations.append("two different original UIDs were mapped to the same new UID")
print(json.dumps({"checked_files": checked_files, "checked_attributes": checked_attrs, "violations": violations, "uid_map": flat}))
