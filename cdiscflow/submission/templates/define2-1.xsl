<?xml version="1.0" encoding="UTF-8"?>
<!-- cdiscflow's own compact stylesheet for Define-XML 2.1 (with Analysis Results Metadata 1.0): open define.xml
     in a browser (or run any XSLT 1.0 processor) to read it as one HTML page with internal links.
     Written for cdiscflow (same licence as cdiscflow); not derived from the CDISC stylesheet. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:odm="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1"
                xmlns:arm="http://www.cdisc.org/ns/arm/v1.0" xmlns:xlink="http://www.w3.org/1999/xlink"
                exclude-result-prefixes="odm def arm xlink">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>
  <xsl:variable name="mdv" select="/odm:ODM/odm:Study/odm:MetaDataVersion"/>
  <xsl:key name="item" match="odm:ItemDef" use="@OID"/>
  <xsl:key name="codelist" match="odm:CodeList" use="@OID"/>
  <xsl:key name="method" match="odm:MethodDef" use="@OID"/>
  <xsl:key name="comment" match="def:CommentDef" use="@OID"/>
  <xsl:key name="where" match="def:WhereClauseDef" use="@OID"/>
  <xsl:key name="valuelist" match="def:ValueListDef" use="@OID"/>
  <xsl:key name="leaf" match="def:leaf" use="@ID"/>
  <xsl:key name="group" match="odm:ItemGroupDef" use="@OID"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="$mdv/@Name"/></title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
          table { border-collapse: collapse; margin: 0.3em 0 1.2em 0; }
          th, td { border: 1px solid #bbb; padding: 2px 6px; font-size: 0.9em; text-align: left; vertical-align: top; }
          th { background: #eef; } caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
          .small { font-size: 0.85em; color: #555; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName"/>:
          <xsl:value-of select="$mdv/@Name"/></h1>
        <p><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyDescription"/></p>
        <p class="small">Protocol <xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:ProtocolName"/>
          · created <xsl:value-of select="/odm:ODM/@CreationDateTime"/>
          · Define-XML <xsl:value-of select="$mdv/@def:DefineVersion"/>
          <xsl:if test="$mdv/@def:CommentOID"> · <xsl:apply-templates select="key('comment', $mdv/@def:CommentOID)"/></xsl:if></p>
        <table>
          <caption>Standards</caption>
          <tr><th>Name</th><th>Type</th><th>Publishing set</th><th>Version</th></tr>
          <xsl:for-each select="$mdv/def:Standards/def:Standard">
            <tr><td><xsl:value-of select="@Name"/></td><td><xsl:value-of select="@Type"/></td>
              <td><xsl:value-of select="@PublishingSet"/></td><td><xsl:value-of select="@Version"/></td></tr>
          </xsl:for-each>
        </table>
        <xsl:if test="$mdv/def:AnnotatedCRF or $mdv/def:SupplementalDoc">
          <p>Documents:
            <xsl:for-each select="$mdv/def:AnnotatedCRF/def:DocumentRef | $mdv/def:SupplementalDoc/def:DocumentRef">
              <xsl:apply-templates select="."/><xsl:if test="position() != last()"> · </xsl:if>
            </xsl:for-each></p>
        </xsl:if>
        <xsl:apply-templates select="$mdv/arm:AnalysisResultDisplays"/>
        <table>
          <caption>Datasets</caption>
          <tr><th>Dataset</th><th>Description</th><th>Class</th><th>Structure</th><th>Purpose</th><th>Keys</th><th>Location</th></tr>
          <xsl:for-each select="$mdv/odm:ItemGroupDef">
            <tr><td><a href="#{@OID}"><xsl:value-of select="@Name"/></a></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td>
              <td><xsl:value-of select="def:Class/@Name"/><xsl:if test="def:Class/def:SubClass">
                (<xsl:value-of select="def:Class/def:SubClass/@Name"/>)</xsl:if></td>
              <td><xsl:value-of select="@def:Structure"/></td><td><xsl:value-of select="@Purpose"/></td>
              <td><xsl:for-each select="odm:ItemRef[@KeySequence]"><xsl:sort select="@KeySequence" data-type="number"/>
                <xsl:value-of select="key('item', @ItemOID)/@Name"/><xsl:if test="position() != last()">, </xsl:if></xsl:for-each></td>
              <td><a href="{def:leaf/@xlink:href}"><xsl:value-of select="def:leaf/def:title"/></a></td></tr>
          </xsl:for-each>
        </table>
        <xsl:apply-templates select="$mdv/odm:ItemGroupDef"/>
        <xsl:apply-templates select="$mdv/def:ValueListDef"/>
        <h2>Controlled terms and dictionaries</h2>
        <xsl:apply-templates select="$mdv/odm:CodeList"/>
        <xsl:if test="$mdv/odm:MethodDef">
          <table>
            <caption>Methods</caption>
            <tr><th>Method</th><th>Type</th><th>Description</th></tr>
            <xsl:for-each select="$mdv/odm:MethodDef">
              <tr id="{@OID}"><td><xsl:value-of select="@Name"/></td><td><xsl:value-of select="@Type"/></td>
                <td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td></tr>
            </xsl:for-each>
          </table>
        </xsl:if>
        <xsl:if test="$mdv/def:CommentDef">
          <table>
            <caption>Comments</caption>
            <tr><th>Comment</th><th>Description</th></tr>
            <xsl:for-each select="$mdv/def:CommentDef">
              <tr id="{@OID}"><td><xsl:value-of select="@OID"/></td><td><xsl:apply-templates select="."/></td></tr>
            </xsl:for-each>
          </table>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="odm:ItemGroupDef">
    <table id="{@OID}">
      <caption><xsl:value-of select="@Name"/> (<xsl:value-of select="odm:Description/odm:TranslatedText"/>)
        <xsl:if test="@def:CommentOID"><span class="small"> · <xsl:apply-templates select="key('comment', @def:CommentOID)"/></span></xsl:if></caption>
      <tr><th>Variable</th><th>Label</th><th>Type</th><th>Length</th><th>Format</th><th>Controlled terms</th>
        <th>Origin</th><th>Method or comment</th><th>Mandatory</th></tr>
      <xsl:for-each select="odm:ItemRef">
        <xsl:sort select="@OrderNumber" data-type="number"/>
        <xsl:call-template name="item-row"><xsl:with-param name="ref" select="."/></xsl:call-template>
      </xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template match="def:ValueListDef">
    <table id="{@OID}">
      <caption>Value-level metadata: <xsl:value-of select="@OID"/></caption>
      <tr><th>Variable (where)</th><th>Label</th><th>Type</th><th>Length</th><th>Format</th><th>Controlled terms</th>
        <th>Origin</th><th>Method or comment</th><th>Mandatory</th></tr>
      <xsl:for-each select="odm:ItemRef">
        <xsl:call-template name="item-row"><xsl:with-param name="ref" select="."/></xsl:call-template>
      </xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template name="item-row">
    <xsl:param name="ref"/>
    <xsl:variable name="it" select="key('item', $ref/@ItemOID)"/>
    <tr id="{$it/@OID}">
      <td><xsl:value-of select="$it/@Name"/>
        <xsl:for-each select="$ref/def:WhereClauseRef"><br/><span class="small">where
          <xsl:for-each select="key('where', @WhereClauseOID)/odm:RangeCheck">
            <xsl:value-of select="key('item', @def:ItemOID)/@Name"/>
            <xsl:text> </xsl:text><xsl:value-of select="@Comparator"/><xsl:text> </xsl:text>
            <xsl:for-each select="odm:CheckValue"><xsl:value-of select="."/><xsl:if test="position() != last()">, </xsl:if></xsl:for-each>
            <xsl:if test="position() != last()"> and </xsl:if>
          </xsl:for-each></span></xsl:for-each>
        <xsl:if test="$it/def:ValueListRef"><br/><a href="#{$it/def:ValueListRef/@ValueListOID}">value level</a></xsl:if></td>
      <td><xsl:value-of select="$it/odm:Description/odm:TranslatedText"/></td>
      <td><xsl:value-of select="$it/@DataType"/></td>
      <td><xsl:value-of select="$it/@Length"/></td>
      <td><xsl:value-of select="$it/@def:DisplayFormat"/></td>
      <td><xsl:for-each select="$it/odm:CodeListRef">
        <a href="#{@CodeListOID}"><xsl:value-of select="key('codelist', @CodeListOID)/@Name"/></a></xsl:for-each></td>
      <td><xsl:for-each select="$it/def:Origin"><xsl:value-of select="@Type"/>
        <xsl:if test="@Source"> (<xsl:value-of select="@Source"/>)</xsl:if>
        <xsl:if test="odm:Description"><br/><xsl:value-of select="odm:Description/odm:TranslatedText"/></xsl:if>
        <xsl:for-each select="def:DocumentRef"><br/><xsl:apply-templates select="."/></xsl:for-each></xsl:for-each></td>
      <td><xsl:if test="$ref/@MethodOID"><xsl:value-of select="key('method', $ref/@MethodOID)/odm:Description/odm:TranslatedText"/></xsl:if>
        <xsl:if test="$it/@def:CommentOID"><xsl:apply-templates select="key('comment', $it/@def:CommentOID)"/></xsl:if></td>
      <td><xsl:value-of select="$ref/@Mandatory"/></td>
    </tr>
  </xsl:template>

  <xsl:template match="odm:CodeList">
    <table id="{@OID}">
      <caption><xsl:value-of select="@Name"/> (<xsl:value-of select="@DataType"/>)
        <xsl:if test="odm:Alias[@Context='nci:ExtCodeID']"> · NCI <xsl:value-of select="odm:Alias[@Context='nci:ExtCodeID']/@Name"/></xsl:if></caption>
      <xsl:choose>
        <xsl:when test="odm:ExternalCodeList">
          <tr><th>Dictionary</th><th>Version</th></tr>
          <tr><td><xsl:choose><xsl:when test="odm:ExternalCodeList/@href">
                <a href="{odm:ExternalCodeList/@href}"><xsl:value-of select="odm:ExternalCodeList/@Dictionary"/></a></xsl:when>
              <xsl:otherwise><xsl:value-of select="odm:ExternalCodeList/@Dictionary"/></xsl:otherwise></xsl:choose></td>
            <td><xsl:value-of select="odm:ExternalCodeList/@Version"/></td></tr>
        </xsl:when>
        <xsl:otherwise>
          <tr><th>Coded value</th><th>Decode</th><th>NCI code</th></tr>
          <xsl:for-each select="odm:CodeListItem | odm:EnumeratedItem">
            <tr><td><xsl:value-of select="@CodedValue"/><xsl:if test="@def:ExtendedValue='Yes'"> *</xsl:if></td>
              <td><xsl:value-of select="odm:Decode/odm:TranslatedText"/></td>
              <td><xsl:value-of select="odm:Alias/@Name"/></td></tr>
          </xsl:for-each>
        </xsl:otherwise>
      </xsl:choose>
    </table>
  </xsl:template>

  <xsl:template match="arm:AnalysisResultDisplays">
    <h2>Analysis results</h2>
    <xsl:for-each select="arm:ResultDisplay">
      <table id="{@OID}">
        <caption><xsl:value-of select="@Name"/>: <xsl:value-of select="odm:Description/odm:TranslatedText"/>
          <xsl:for-each select="def:DocumentRef"> · <xsl:apply-templates select="."/></xsl:for-each></caption>
        <tr><th>Result</th><th>Reason / purpose</th><th>Datasets and variables</th><th>Documentation</th></tr>
        <xsl:for-each select="arm:AnalysisResult">
          <tr><td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td>
            <td><xsl:value-of select="@AnalysisReason"/><br/><xsl:value-of select="@AnalysisPurpose"/></td>
            <td><xsl:for-each select="arm:AnalysisDatasets/arm:AnalysisDataset">
              <a href="#{@ItemGroupOID}"><xsl:value-of select="key('group', @ItemGroupOID)/@Name"/></a>:
              <xsl:for-each select="arm:AnalysisVariable"><xsl:value-of select="key('item', @ItemOID)/@Name"/>
                <xsl:if test="position() != last()">, </xsl:if></xsl:for-each><br/></xsl:for-each></td>
            <td><xsl:value-of select="arm:Documentation/odm:Description/odm:TranslatedText"/>
              <xsl:for-each select="arm:Documentation/def:DocumentRef"><br/><xsl:apply-templates select="."/></xsl:for-each></td></tr>
        </xsl:for-each>
      </table>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="def:DocumentRef">
    <xsl:variable name="leaf" select="key('leaf', @leafID)"/>
    <xsl:choose>
      <xsl:when test="def:PDFPageRef">
        <xsl:for-each select="def:PDFPageRef">
          <a href="{$leaf/@xlink:href}#page={substring-before(concat(@PageRefs, ' '), ' ')}">
            <xsl:value-of select="$leaf/def:title"/> p. <xsl:value-of select="@PageRefs"/></a></xsl:for-each>
      </xsl:when>
      <xsl:otherwise><a href="{$leaf/@xlink:href}"><xsl:value-of select="$leaf/def:title"/></a></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="def:CommentDef">
    <xsl:value-of select="odm:Description/odm:TranslatedText"/>
    <xsl:for-each select="def:DocumentRef"> (<xsl:apply-templates select="."/>)</xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
