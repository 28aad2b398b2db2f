"""The manpower model of spec/MODEL.md: armed groups, their fighters and draft-age civilians."""
