import subprocess
import sys


def test_the_library_imports_no_web_or_database_layer():
    code = (
        "import sys, invoices; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'logipool') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
