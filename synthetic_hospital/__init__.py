"""The synthetic hospital: one simulated hospital's ledgers, for the demo and the benchmark.

`demo.write_demo` writes the demo hospital's inbox (five departments, simulated patient by
patient, in the many layouts assistants keep); the benchmark's inboxes at scale come from the
same package. Nothing here is read by the pipeline: it only writes ledger files.
"""
