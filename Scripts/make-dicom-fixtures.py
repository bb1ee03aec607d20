#!/usr/bin/env python3
"""Writes the DICOM test files in Tests/Fixtures/DICOM from two of the data set's JPEGs.

Each X-ray is shrunk to fit 256 x 256 px and saved as `<name>.jpeg`; every DICOM case of it
holds the same picture, so a reader that applies the modality and VOI steps right renders
the JPEG's pixels again (within rounding, or within the lossy codec's error):

  mono2-8bit-explicit    explicit VR little endian, MONOCHROME2, 8 bits
  mono2-8bit-implicit    implicit VR little endian
  mono1-8bit-rle         MONOCHROME1 (stored inverted), RLE lossless (pydicom's encoder)
  mono2-12bit-window     16 allocated / 12 stored, Rescale Slope 0.5 / Intercept -1024, a window
  mono1-16bit-signed     signed 16 bits, MONOCHROME1, a LINEAR window over the stored values
  mono2-12bit-voilut     a VOI LUT Sequence (and a window it must take precedence over)
  jpeg-baseline          JPEG baseline (8 bits, lossy, quality 95) by gdcmconv
  jpeg-lossless          JPEG lossless of the 12-bit case, by gdcmconv
  jpeg2000               JPEG 2000 lossless of the 12-bit case, by gdcmconv
  jpeg-ls                JPEG-LS lossless of the 12-bit case, by gdcmconv

and files that must be refused: no pixel data, an unsupported syntax (MPEG-2), absurd
dimensions, zero rows, colour, and `DICM` followed by garbage. `identifiers.dcm` carries
distinctive patient identifiers that no output of pneumo may repeat.

Compressed syntaxes pydicom cannot write without extra plugins are made with GDCM's own
`gdcmconv` (Debian: libgdcm-tools), the library pneumo reads them with.

Usage:
    python3 -m venv .venv-dicom && .venv-dicom/bin/pip install pydicom numpy pillow
    .venv-dicom/bin/python Scripts/make-dicom-fixtures.py [--data ../shared/data/chest_xray/test]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, generate_uid,
)

SIDE = 256
TOTAL_LIMIT_BYTES = 2_000_000
SOURCES = {"normal": "NORMAL/IM-0001-0001.jpeg", "pneumonia": "PNEUMONIA/person100_bacteria_475.jpeg"}
CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
MPEG2 = "1.2.840.10008.1.2.4.100"
IDENTIFIERS = {
    "PatientName": "Quixbyrne^Zelphine",
    "PatientID": "PID-88412-QZX",
    "PatientBirthDate": "19230417",
    "OtherPatientIDs": "ALT-55190-WKV",
    "AccessionNumber": "ACC7731904",
    "InstitutionName": "Vexmoor Infirmary",
    "ReferringPhysicianName": "Dr^Thrumbleck",
}


def base_dataset(pixels, syntax=ExplicitVRLittleEndian, sop_class=CR_STORAGE):
    """A minimal image dataset for `pixels` (2-D array) with made-up identifiers."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CR"
    ds.PatientName = "Fixture^Patient"
    ds.PatientID = "FIXTURE"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    return ds


def save(ds, path):
    ds.save_as(path, enforce_file_format=True)


def gdcmconv(source, target, *flags):
    subprocess.run(["gdcmconv", *flags, source, target], check=True)


def picture(path):
    """The JPEG shrunk to fit SIDE x SIDE, as 8-bit gray, and that picture saved as JPEG."""
    image = Image.open(path).convert("L")
    image.thumbnail((SIDE, SIDE), Image.LANCZOS)
    return image


def write_cases(name, jpeg_path, out):
    pixels = np.asarray(Image.open(jpeg_path).convert("L"), dtype=np.uint8)
    p16 = pixels.astype(np.int32)
    stem = os.path.join(out, name)

    save(base_dataset(pixels), f"{stem}-mono2-8bit-explicit.dcm")
    save(base_dataset(pixels, ImplicitVRLittleEndian), f"{stem}-mono2-8bit-implicit.dcm")

    inverted = base_dataset((255 - pixels).astype(np.uint8))
    inverted.PhotometricInterpretation = "MONOCHROME1"
    inverted.compress(RLELossless, encoding_plugin="pydicom")
    save(inverted, f"{stem}-mono1-8bit-rle.dcm")

    # Stored s = 8p + 100 (12 bits); modality m = 0.5 s - 1024 = 4p - 974; the window with
    # width 1021 and centre -463.5 maps m back to p exactly (PS3.3 C.11.2.1.2.1).
    twelve = base_dataset((p16 * 8 + 100).astype(np.uint16))
    twelve.BitsStored, twelve.HighBit = 12, 11
    twelve.RescaleSlope, twelve.RescaleIntercept = "0.5", "-1024"
    twelve.WindowCenter, twelve.WindowWidth = "-463.5", "1021"
    save(twelve, f"{stem}-mono2-12bit-window.dcm")

    # Signed s = 16 (255 - p) - 2000; centre 40.5, width 4081 gives 255 - p; MONOCHROME1 inverts it.
    signed = base_dataset((16 * (255 - p16) - 2000).astype(np.int16))
    signed.PhotometricInterpretation = "MONOCHROME1"
    signed.WindowCenter, signed.WindowWidth = "40.5", "4081"
    save(signed, f"{stem}-mono1-16bit-signed.dcm")

    # Stored s = 16p; a 4096-entry 16-bit LUT maps s to 257 round(s / 16) = p on the 0-65535 scale.
    lut = base_dataset((p16 * 16).astype(np.uint16))
    lut.BitsStored, lut.HighBit = 12, 11
    lut.WindowCenter, lut.WindowWidth = "100", "50"  # ignored: the LUT wins
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    table = np.clip(np.round(np.arange(4096) / 16), 0, 255).astype(np.uint16) * 257
    item.add_new("LUTData", "OW", table.astype("<u2").tobytes())
    item.LUTExplanation = "fixture"
    lut.VOILUTSequence = [item]
    save(lut, f"{stem}-mono2-12bit-voilut.dcm")

    gdcmconv(f"{stem}-mono2-8bit-explicit.dcm", f"{stem}-jpeg-baseline.dcm", "--jpeg", "--lossy", "-q", "95")
    gdcmconv(f"{stem}-mono2-12bit-window.dcm", f"{stem}-jpeg-lossless.dcm", "--jpeg")
    gdcmconv(f"{stem}-mono2-12bit-window.dcm", f"{stem}-jpeg2000.dcm", "--j2k")
    gdcmconv(f"{stem}-mono2-12bit-window.dcm", f"{stem}-jpeg-ls.dcm", "--jpegls")


def write_refusals(pixels, out):
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    small = pixels[:64, :64].copy()

    no_pixels = base_dataset(small)
    del no_pixels.PixelData
    for keyword in ["Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation",
                    "SamplesPerPixel", "PhotometricInterpretation"]:
        delattr(no_pixels, keyword)
    no_pixels.Modality = "SR"
    save(no_pixels, f"{bad}/no-pixel-data.dcm")

    mpeg = base_dataset(small, MPEG2)
    mpeg.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(60)])
    mpeg["PixelData"].VR = "OB"
    save(mpeg, f"{bad}/unsupported-syntax-mpeg2.dcm")

    huge = base_dataset(small)
    huge.Rows, huge.Columns = 65535, 65535
    save(huge, f"{bad}/absurd-dimensions.dcm")

    empty = base_dataset(small)
    empty.Rows = 0
    save(empty, f"{bad}/zero-rows.dcm")

    colour = base_dataset(np.repeat(small[:, :, None], 3, axis=2).reshape(64, 64 * 3))
    colour.Columns, colour.SamplesPerPixel, colour.PlanarConfiguration = 64, 3, 0
    colour.PhotometricInterpretation = "RGB"
    save(colour, f"{bad}/colour-rgb.dcm")

    with open(f"{bad}/magic-then-garbage.dcm", "wb") as handle:
        handle.write(bytes(128) + b"DICM" + bytes(range(7, 250)) * 4)


def write_identifiers(pixels, out):
    ds = base_dataset(pixels)
    for keyword, value in IDENTIFIERS.items():
        setattr(ds, keyword, value)
    save(ds, f"{out}/identifiers.dcm")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data/chest_xray/test", help="the data set's test split")
    parser.add_argument("--out", default="Tests/Fixtures/DICOM")
    args = parser.parse_args()
    if shutil.which("gdcmconv") is None:
        sys.exit("gdcmconv not found: install Debian's libgdcm-tools")
    os.makedirs(args.out, exist_ok=True)
    for name, relative in SOURCES.items():
        source = os.path.join(args.data, relative)
        if not os.path.exists(source):
            sys.exit(f"{source} not found: pass --data with the data set's test split")
        jpeg_path = os.path.join(args.out, f"{name}.jpeg")
        picture(source).save(jpeg_path, quality=95)
        write_cases(name, jpeg_path, args.out)
    normal = np.asarray(Image.open(os.path.join(args.out, "normal.jpeg")).convert("L"), dtype=np.uint8)
    write_refusals(normal, args.out)
    write_identifiers(normal, args.out)
    total = 0
    for folder, _, files in os.walk(args.out):
        for file in sorted(files):
            size = os.path.getsize(os.path.join(folder, file))
            total += size
            print(f"{os.path.relpath(os.path.join(folder, file), args.out):40} {size:8d} bytes")
    print(f"total {total} bytes")
    if total > TOTAL_LIMIT_BYTES:
        sys.exit(f"fixtures take {total} bytes, above {TOTAL_LIMIT_BYTES}")


if __name__ == "__main__":
    main()
