"""Validates FHIR R4 (4.0.1) JSON documents with an independent model library.

Usage: python fhir_validate.py FILE...   (exit 0 when every file is valid)
Needs fhir.resources 6.4 (the last line for R4 4.0.1) with pydantic 1.
"""
import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def main(paths):
    if fhir.resources.__fhir_version__ != "4.0.1":
        print(f"fhir.resources models FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1")
        return 2
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        try:
            construct_fhir_element(document["resourceType"], document)
        except Exception as error:  # the library raises pydantic errors
            failed += 1
            print(f"{path}: invalid: {error}")
        else:
            print(f"{path}: valid FHIR R4 {document['resourceType']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
