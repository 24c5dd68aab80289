"""Read QR codes back from a rendered PDF page, as a phone's banking app would: rasterised by
poppler's pdftoppm, decoded by zxing-cpp."""

import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image


def qr_codes_of(pdf: bytes, *, dpi: int = 200) -> list[str]:
    """The QR codes of every page, in page order."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(tmp) / "page")],
                       check=True, timeout=60)
        codes = []
        for image in sorted(Path(tmp).glob("page*.png")):
            with Image.open(image) as im:
                codes += [r.text for r in zxingcpp.read_barcodes(im, formats=zxingcpp.BarcodeFormat.QRCode)]
    return codes
