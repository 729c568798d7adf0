import io

from openpyxl import load_workbook


def open_workbook(content: bytes):
    """Load a workbook the way a reader would (not write-only), failing on a broken file."""
    return load_workbook(io.BytesIO(content))


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]
