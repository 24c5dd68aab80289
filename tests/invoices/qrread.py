"""Read QR codes back from a rendered PDF page, as a phone's banking app would: rasterised by
poppler's pdftoppm, decoded by zxing-cpp."""

import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image


def qr_codes_of(pdf: bytes, *, page: int = 1, dpi: int = 200) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), str(source),
                        str(Path(tmp) / "page")], check=True, timeout=60)
        (image,) = Path(tmp).glob("page*.png")
        with Image.open(image) as im:
            results = zxingcpp.read_barcodes(im, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results]
