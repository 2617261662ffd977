"""Independent oracle for the DICOMweb tests: the studies and series a folder of DICOM files holds,
read with pydicom only (no NeuroPlan code), as a PACS should report them after the files are stored.

usage: expected_studies.py FOLDER
prints [{"studyInstanceUid","patientName","patientId","studyDate","studyTime","studyDescription",
         "accessionNumber","modalities" (sorted),"seriesCount","instanceCount",
         "series": [{"seriesInstanceUid","modality","seriesDescription","seriesNumber","instanceCount"}]}]
sorted by study date, newest first; series by series number.
"""
import json
import pathlib
import sys

import pydicom


def main(folder):
    studies = {}
    for path in sorted(pathlib.Path(folder).rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        study = studies.setdefault(
            ds.StudyInstanceUID,
            {
                "studyInstanceUid": str(ds.StudyInstanceUID),
                "patientName": str(ds.PatientName),
                "patientId": str(ds.PatientID),
                "studyDate": str(ds.StudyDate),
                "studyTime": str(ds.StudyTime),
                "studyDescription": str(ds.StudyDescription),
                "accessionNumber": str(ds.AccessionNumber),
                "series": {},
            },
        )
        series = study["series"].setdefault(
            ds.SeriesInstanceUID,
            {
                "seriesInstanceUid": str(ds.SeriesInstanceUID),
                "modality": str(ds.Modality),
                "seriesDescription": str(ds.SeriesDescription),
                "seriesNumber": int(ds.SeriesNumber),
                "instanceCount": 0,
            },
        )
        series["instanceCount"] += 1
    out = []
    for study in studies.values():
        series = sorted(study.pop("series").values(), key=lambda s: s["seriesNumber"])
        study["modalities"] = sorted({s["modality"] for s in series})
        study["seriesCount"] = len(series)
        study["instanceCount"] = sum(s["instanceCount"] for s in series)
        study["series"] = series
        out.append(study)
    out.sort(key=lambda s: s["studyDate"] + s["studyTime"], reverse=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
