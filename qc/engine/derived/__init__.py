"""Derived attributes: safe expressions over columns (`expr`) and how they are judged (`judge`)."""
