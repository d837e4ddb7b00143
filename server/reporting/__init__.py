"""The council report, the research export and the import of both back into a server.

- `definition`: a panel's definition (agenda, proposals, survey items, tables) as plain
  data, YAML and JSON, with the strict checks an import needs;
- `record`: everything a report or an export says about one panel, read once from the
  database with portable ids (numbers and random pseudonyms, never row ids);
- `report`, `charts`, `numbers`: the report for the council as a view model;
- `export`, `tables`, `codebook`: the ZIP for researchers; `archive` reads it back;
- `pdf`: the same report printed to A4 by headless Chromium.
"""
