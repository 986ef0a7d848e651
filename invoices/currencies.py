"""ISO 4217 currency codes accepted on invoices and payments.

The set contains the circulating currencies of the ISO 4217 list as of 2025.
It includes XCG (Caribbean guilder, introduced 2025) and the codes that are
being replaced (ANG by XCG, BGN by EUR). Fund codes (BOV, CHE, CHW, CLF, COU, MXV,
USN, UYI, UYW), precious metals, XDR, XSU, XUA and the test codes XTS and
XXX are left out, because no invoice is payable in them.
"""

ISO_4217_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)


def is_iso_4217_currency(code: str) -> bool:
    return code in ISO_4217_CURRENCIES
