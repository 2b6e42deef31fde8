"""Small hand-written Cargo-XML documents for the unit tests (no third-party samples)."""

from __future__ import annotations

from datetime import UTC, datetime

from cts.domain.parsers.base import ParseContext

CTX = ParseContext(
    object_key="carrier-a/upload.xml", carrier_id="carrier-a", received_at=datetime(2026, 1, 5, tzinfo=UTC)
)


def xfwb(
    *,
    awb: str = "176-12345675",
    purpose: str = "Creation",
    weight: str = '<ram:IncludedTareGrossWeightMeasure unitCode="KGM">250.5</ram:IncludedTareGrossWeightMeasure>',
    total_pieces: str = "12",
    item_pieces: str = "12",
    extra_item: str = "",
    rsm: str = "rsm",
    ram: str = "ram",
) -> bytes:
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:Waybill xmlns:rsm="iata:waybill:1" xmlns:ram="iata:datamodel:3">
  <rsm:MessageHeaderDocument>
    <ram:ID>MSG-0001</ram:ID>
    <ram:Name>Master Air Waybill</ram:Name>
    <ram:TypeCode>740</ram:TypeCode>
    <ram:IssueDateTime>2026-01-04T09:30:00Z</ram:IssueDateTime>
    <ram:PurposeCode>{purpose}</ram:PurposeCode>
    <ram:VersionID>3.00</ram:VersionID>
  </rsm:MessageHeaderDocument>
  <rsm:BusinessHeaderDocument>
    <ram:ID>{awb}</ram:ID>
  </rsm:BusinessHeaderDocument>
  <rsm:MasterConsignment>
    {weight}
    <ram:GrossVolumeMeasure unitCode="MTQ">1.5</ram:GrossVolumeMeasure>
    <ram:TotalPieceQuantity>{total_pieces}</ram:TotalPieceQuantity>
    <ram:ConsignorParty>
      <ram:Name>ACME EXPORTS LTD</ram:Name>
      <ram:PostalStructuredAddress>
        <ram:PostcodeCode>SW1A 1AA</ram:PostcodeCode>
        <ram:StreetName>1 HIGH STREET
UNIT 4</ram:StreetName>
        <ram:CityName>LONDON</ram:CityName>
        <ram:CountryID>GB</ram:CountryID>
      </ram:PostalStructuredAddress>
      <ram:DefinedTradeContact>
        <ram:DirectTelephoneCommunication><ram:CompleteNumber>+44201234567</ram:CompleteNumber></ram:DirectTelephoneCommunication>
        <ram:URIEmailCommunication><ram:URIID>ops@acme.example</ram:URIID></ram:URIEmailCommunication>
      </ram:DefinedTradeContact>
    </ram:ConsignorParty>
    <ram:ConsigneeParty>
      <ram:Name>BETA IMPORTS SARL</ram:Name>
      <ram:PostalStructuredAddress>
        <ram:StreetName>5 RUE DU PORT</ram:StreetName>
        <ram:CityName>ROISSY</ram:CityName>
        <ram:CountryID>fr</ram:CountryID>
      </ram:PostalStructuredAddress>
    </ram:ConsigneeParty>
    <ram:FreightForwarderParty>
      <ram:Name>GAMMA FORWARDING</ram:Name>
      <ram:CargoAgentID>1234567</ram:CargoAgentID>
      <ram:FreightForwarderAddress>
        <ram:CityName>SLOUGH</ram:CityName>
        <ram:CountryID>GB</ram:CountryID>
      </ram:FreightForwarderAddress>
    </ram:FreightForwarderParty>
    <ram:AssociatedParty>
      <ram:Name>DELTA NOTIFY GMBH</ram:Name>
      <ram:RoleCode>NI</ram:RoleCode>
      <ram:PostalStructuredAddress><ram:CityName>KOELN</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalStructuredAddress>
    </ram:AssociatedParty>
    <ram:OriginLocation><ram:ID>LHR</ram:ID></ram:OriginLocation>
    <ram:FinalDestinationLocation><ram:ID>CDG</ram:ID></ram:FinalDestinationLocation>
    <ram:SpecifiedLogisticsTransportMovement>
      <ram:StageCode>Main-Carriage</ram:StageCode>
      <ram:ID>XX 123</ram:ID>
      <ram:SequenceNumeric>1</ram:SequenceNumeric>
      <ram:ArrivalEvent>
        <ram:ScheduledOccurrenceDateTime>2026-01-06T12:00:00Z</ram:ScheduledOccurrenceDateTime>
        <ram:OccurrenceArrivalLocation><ram:ID>CDG</ram:ID></ram:OccurrenceArrivalLocation>
      </ram:ArrivalEvent>
      <ram:DepartureEvent>
        <ram:ScheduledOccurrenceDateTime>2026-01-06T10:00:00Z</ram:ScheduledOccurrenceDateTime>
        <ram:OccurrenceDepartureLocation><ram:ID>LHR</ram:ID></ram:OccurrenceDepartureLocation>
      </ram:DepartureEvent>
    </ram:SpecifiedLogisticsTransportMovement>
    <ram:IncludedCustomsNote>
      <ram:ContentCode>T</ram:ContentCode><ram:Content>GB123456789000</ram:Content><ram:SubjectCode>SHP</ram:SubjectCode>
    </ram:IncludedCustomsNote>
    <ram:IncludedCustomsNote>
      <ram:ContentCode>CT</ram:ContentCode><ram:Content>+33100000000</ram:Content><ram:SubjectCode>CNE</ram:SubjectCode>
    </ram:IncludedCustomsNote>
    <ram:ApplicableRating>
      <ram:IncludedMasterConsignmentItem>
        <ram:SequenceNumeric>1</ram:SequenceNumeric>
        <ram:TypeCode>8471.30</ram:TypeCode>
        <ram:GrossWeightMeasure unitCode="KGM">250.5</ram:GrossWeightMeasure>
        <ram:GrossVolumeMeasure unitCode="CMQ">1500000</ram:GrossVolumeMeasure>
        <ram:PieceQuantity>{item_pieces}</ram:PieceQuantity>
        <ram:NatureIdentificationTransportCargo>
          <ram:Identification>LAPTOP COMPUTERS</ram:Identification>
        </ram:NatureIdentificationTransportCargo>
        <ram:AssociatedUnitLoadTransportEquipment>
          <ram:ID>12345</ram:ID><ram:CharacteristicCode>AKE</ram:CharacteristicCode>
          <ram:OperatingParty><ram:PrimaryID>XX</ram:PrimaryID></ram:OperatingParty>
        </ram:AssociatedUnitLoadTransportEquipment>
      </ram:IncludedMasterConsignmentItem>
      {extra_item}
    </ram:ApplicableRating>
  </rsm:MasterConsignment>
</rsm:Waybill>
"""
    return (
        text.replace("rsm:", f"{rsm}:")
        .replace("xmlns:rsm", f"xmlns:{rsm}")
        .replace("ram:", f"{ram}:")
        .replace("xmlns:ram", f"xmlns:{ram}")
        .encode()
    )


XFZB = b"""<?xml version="1.0" encoding="UTF-8"?>
<h:HouseWaybill xmlns:h="iata:housewaybill:1" xmlns="iata:datamodel:3">
  <h:MessageHeaderDocument>
    <ID>HMSG-1</ID><TypeCode>703</TypeCode><PurposeCode>Update</PurposeCode>
  </h:MessageHeaderDocument>
  <h:BusinessHeaderDocument><ID>HAWB-77</ID></h:BusinessHeaderDocument>
  <h:MasterConsignment>
    <TransportContractDocument><ID>176 12345675</ID></TransportContractDocument>
    <OriginLocation><ID>HKG</ID></OriginLocation>
    <FinalDestinationLocation><ID>AMS</ID></FinalDestinationLocation>
    <IncludedHouseConsignment>
      <ID>HAWB-77</ID>
      <IncludedTareGrossWeightMeasure unitCode="LBR">100</IncludedTareGrossWeightMeasure>
      <TotalPieceQuantity>4</TotalPieceQuantity>
      <SummaryDescription>TOYS</SummaryDescription>
      <ConsignorParty><Name>TOY FACTORY CO</Name>
        <PostalStructuredAddress><CityName>KOWLOON</CityName><CountryID>HK</CountryID></PostalStructuredAddress>
      </ConsignorParty>
      <ConsigneeParty><Name>SPEELGOED BV</Name>
        <PostalStructuredAddress><CityName>AMSTERDAM</CityName><CountryID>NL</CountryID></PostalStructuredAddress>
      </ConsigneeParty>
      <IncludedHouseConsignmentItem>
        <SequenceNumeric>1</SequenceNumeric>
        <TypeCode>950300</TypeCode>
        <GrossWeightMeasure unitCode="LBR">100</GrossWeightMeasure>
        <PieceQuantity>4</PieceQuantity>
      </IncludedHouseConsignmentItem>
    </IncludedHouseConsignment>
  </h:MasterConsignment>
</h:HouseWaybill>
"""

XFFM = b"""<?xml version="1.0" encoding="UTF-8"?>
<ffm:FlightManifest xmlns:ffm="iata:flightmanifest:1" xmlns:d="iata:datamodel:3">
  <ffm:MessageHeaderDocument>
    <d:ID>FFM-42</d:ID><d:TypeCode>122</d:TypeCode><d:PurposeCode>Creation</d:PurposeCode>
  </ffm:MessageHeaderDocument>
  <ffm:BusinessHeaderDocument><d:ID>XX0042</d:ID></ffm:BusinessHeaderDocument>
  <ffm:LogisticsTransportMovement>
    <d:StageCode>Main-Carriage</d:StageCode>
    <d:ModeCode>4</d:ModeCode>
    <d:ID>XX0042</d:ID>
    <d:TotalPieceQuantity>17</d:TotalPieceQuantity>
    <d:UsedLogisticsTransportMeans><d:Name>B77F</d:Name><d:ID>D-AALA</d:ID></d:UsedLogisticsTransportMeans>
    <d:DepartureEvent>
      <d:DepartureOccurrenceDateTime>2026-01-06T22:00:00Z</d:DepartureOccurrenceDateTime>
      <d:DepartureDateTimeTypeCode>S</d:DepartureDateTimeTypeCode>
      <d:OccurrenceDepartureLocation><d:ID>FRA</d:ID><d:TypeCode>Airport</d:TypeCode></d:OccurrenceDepartureLocation>
    </d:DepartureEvent>
  </ffm:LogisticsTransportMovement>
  <ffm:ArrivalEvent>
    <d:ArrivalOccurrenceDateTime>2026-01-07T06:30:00Z</d:ArrivalOccurrenceDateTime>
    <d:ArrivalDateTimeTypeCode>S</d:ArrivalDateTimeTypeCode>
    <d:OccurrenceArrivalLocation><d:ID>JFK</d:ID><d:TypeCode>Airport</d:TypeCode></d:OccurrenceArrivalLocation>
    <d:AssociatedTransportCargo>
      <d:TypeCode>ULD</d:TypeCode>
      <d:UtilizedUnitLoadTransportEquipment>
        <d:ID>54321</d:ID><d:CharacteristicCode>PMC</d:CharacteristicCode>
        <d:OperatingParty><d:PrimaryID>XX</d:PrimaryID></d:OperatingParty>
      </d:UtilizedUnitLoadTransportEquipment>
      <d:IncludedMasterConsignment>
        <d:GrossWeightMeasure unitCode="KGM">300</d:GrossWeightMeasure>
        <d:PieceQuantity>6</d:PieceQuantity>
        <d:TotalPieceQuantity>10</d:TotalPieceQuantity>
        <d:SummaryDescription>MACHINE PARTS</d:SummaryDescription>
        <d:TransportSplitDescription>S</d:TransportSplitDescription>
        <d:TransportContractDocument><d:ID>020-11111111</d:ID></d:TransportContractDocument>
        <d:OriginLocation><d:ID>MUC</d:ID></d:OriginLocation>
        <d:FinalDestinationLocation><d:ID>ORD</d:ID></d:FinalDestinationLocation>
        <d:IncludedMasterConsignmentItem><d:TypeCode>848210</d:TypeCode><d:TypeCode>848220</d:TypeCode></d:IncludedMasterConsignmentItem>
      </d:IncludedMasterConsignment>
    </d:AssociatedTransportCargo>
    <d:AssociatedTransportCargo>
      <d:TypeCode>BLK</d:TypeCode>
      <d:IncludedMasterConsignment>
        <d:GrossWeightMeasure unitCode="KGM">200</d:GrossWeightMeasure>
        <d:PieceQuantity>4</d:PieceQuantity>
        <d:TotalPieceQuantity>10</d:TotalPieceQuantity>
        <d:SummaryDescription>MACHINE PARTS</d:SummaryDescription>
        <d:TransportSplitDescription>S</d:TransportSplitDescription>
        <d:TransportContractDocument><d:ID>020-11111111</d:ID></d:TransportContractDocument>
        <d:OriginLocation><d:ID>MUC</d:ID></d:OriginLocation>
        <d:FinalDestinationLocation><d:ID>ORD</d:ID></d:FinalDestinationLocation>
      </d:IncludedMasterConsignment>
      <d:IncludedMasterConsignment>
        <d:GrossWeightMeasure unitCode="LBR">22.05</d:GrossWeightMeasure>
        <d:PieceQuantity>7</d:PieceQuantity>
        <d:TotalPieceQuantity>5</d:TotalPieceQuantity>
        <d:SummaryDescription>DOCUMENTS</d:SummaryDescription>
        <d:TransportSplitDescription>T</d:TransportSplitDescription>
        <d:TransportContractDocument><d:ID>020-22222222</d:ID></d:TransportContractDocument>
        <d:OriginLocation><d:ID>FRA</d:ID></d:OriginLocation>
        <d:FinalDestinationLocation><d:ID>JFK</d:ID></d:FinalDestinationLocation>
      </d:IncludedMasterConsignment>
      <d:IncludedMasterConsignment>
        <d:GrossWeightMeasure unitCode="KGM">5</d:GrossWeightMeasure>
        <d:TotalPieceQuantity>1</d:TotalPieceQuantity>
        <d:SummaryDescription>NO AWB</d:SummaryDescription>
      </d:IncludedMasterConsignment>
    </d:AssociatedTransportCargo>
  </ffm:ArrivalEvent>
</ffm:FlightManifest>
"""
