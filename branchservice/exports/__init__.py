"""Excel exports: the one safe cell writer, the registry of exportable lists, the admin's
export button and the background export jobs.

Part of the ground layer: it names no domain app. Each app declares its own lists (an
ExportSpec with its FilterSet and columns) and registers them in its AppConfig.ready(); the
workbooks of `reporting` write their cells through the same `excel.SheetWriter`.
"""
