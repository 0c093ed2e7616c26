"""The smallest useful spec and batch file, shared by the traceability tests."""

SPEC = """\
name: tiny
version: "3"
id_column: batch_id
checks:
  - name: particle_size
    column: size_nm
    unit: nm
    min: 50
    max: 200
"""
CSV = "batch_id,size_nm\nB-1,100\nB-2,250\n"
