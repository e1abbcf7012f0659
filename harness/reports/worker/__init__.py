"""reports/worker"""
