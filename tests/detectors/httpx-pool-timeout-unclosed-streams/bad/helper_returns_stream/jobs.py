from transport import open_export


def export_size(export_id: str) -> int:
    response = open_export(export_id)
    return int(response.headers["content-length"])
