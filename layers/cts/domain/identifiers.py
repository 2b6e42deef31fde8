"""Check digits of transport identifiers that python-stdnum does not cover."""

from __future__ import annotations


def awb_check_digit(serial: str) -> int:
    """IATA air waybill: the eighth digit of the serial is the first seven taken modulo 7."""
    return int(serial[:7]) % 7


def awb_serial_valid(serial: str) -> bool:
    return len(serial) == 8 and serial.isdigit() and awb_check_digit(serial) == int(serial[7])
