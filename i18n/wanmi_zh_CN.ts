<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>Wanmi</name>
        <message>
            <location filename="../processing_scripts/base.py" line="72" />
            <source>Grid</source>
            <translation>网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="20" />
            <source>Convert GCJ-02 / BD-09 coordinates to WGS84</source>
            <translation>GCJ-02 / BD-09 坐标转换为 WGS84</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="21" />
            <source>Census</source>
            <translation>部件普查</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="23" />
            <source>Chinese web maps and phone apps (Amap/Tencent: GCJ-02, Baidu: BD-09) shift coordinates by several hundred metres. This removes the shift from a layer whose longitudes/latitudes were collected in such an app and writes true WGS84 (≈ CGCS2000) coordinates. The inverse is iterative and accurate to better than a centimetre. Points outside China are left unchanged, as the offset is only applied there.</source>
            <translation>国内网络地图和手机应用（高德/腾讯：GCJ-02，百度：BD-09）会将坐标偏移数百米。本算法去除在这类应用中采集的图层经纬度的偏移，输出真实的 WGS84（≈ CGCS2000）坐标。逆变换采用迭代法，精度优于 1 厘米。中国境外的点保持不变，因为偏移只在境内施加。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="35" />
            <source>Layer with web-map longitude/latitude</source>
            <translation>含网络地图经纬度的图层</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="37" />
            <source>Coordinates were collected in</source>
            <translation>坐标采集来源</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="39" />
            <source>Converted (WGS84)</source>
            <translation>转换结果（WGS84）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="38" />
            <source>GCJ-02 (Amap, Tencent, Google China)</source>
            <translation>GCJ-02（高德、腾讯、谷歌中国）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/convert_coordinates.py" line="38" />
            <source>BD-09 (Baidu)</source>
            <translation>BD-09（百度）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="42" />
            <source>Partition jurisdiction into unit grid</source>
            <translation>辖区划分单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="45" />
            <source>Partitions community polygons (or one district polygon) into unit cells of about the target area (万米单元网格). Cells never cross a community boundary and cover the jurisdiction exactly.
Regular: a lattice of squares anchored to the CRS origin, clipped to each community; cells smaller than the sliver ratio × target area are merged into the same-community neighbour with the longest shared border.
Street-block: communities are split along the road/river lines, small blocks merged and large blocks subdivided into compact parts of near-equal area.
Codes: 15 digits = district(6) + street(3) + community(3) + sequence(3), numbered west→east then north→south within each community (14-digit CJ/T 213 preset available). Areas are computed in a metric CRS chosen automatically (CGCS2000 3-degree Gauss–Krüger in China) unless one is given.</source>
            <translation>将社区面（或单个区面）划分为面积约为目标面积的单元网格（万米单元网格）。网格不跨越社区边界，并且无缝、无重叠地完整覆盖辖区。
规则格网法：以坐标系原点为锚点的正方形格网，按社区裁剪；面积小于“碎片阈值 × 目标面积”的网格并入同一社区内共享边界最长的相邻网格。
街区法：沿道路/河流线切分社区，合并过小的街区，并将过大的街区细分为面积相近的紧凑部分。
编码：15 位 = 区（6）+ 街道（3）+ 社区（3）+ 顺序码（3），在每个社区内按从西向东、从北向南的顺序编号（可选 14 位 CJ/T 213 规则）。面积在自动选择的米制坐标系中计算（在中国为 CGCS2000 3 度带高斯-克吕格投影），也可指定坐标系。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="69" />
            <source>Jurisdiction (communities or one district)</source>
            <translation>辖区（社区面，或单个区面）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="71" />
            <source>District code field (6 digits)</source>
            <translation>区代码字段（6 位）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="72" />
            <source>Street code field (3 or 9 digits)</source>
            <translation>街道代码字段（3 位或 9 位）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="73" />
            <source>Community code field (3 or 12 digits)</source>
            <translation>社区代码字段（3 位或 12 位）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="78" />
            <source>Method</source>
            <translation>划分方法</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="80" />
            <source>Road and river lines (street-block method)</source>
            <translation>道路与河流线（街区法）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="83" />
            <source>Target cell area (m²)</source>
            <translation>目标网格面积（平方米）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="86" />
            <source>Sliver threshold (share of target area)</source>
            <translation>碎片阈值（占目标面积的比例）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="88" />
            <source>Metric CRS (empty: automatic)</source>
            <translation>米制坐标系（留空则自动选择）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="90" />
            <source>Cell code scheme</source>
            <translation>网格编码规则</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="93" />
            <source>Valid from (YYYY-MM-DD, empty: today)</source>
            <translation>生效日期（YYYY-MM-DD，留空为今天）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="95" />
            <source>Unit cells</source>
            <translation>单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="78" />
            <source>Regular lattice</source>
            <translation>规则格网</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="78" />
            <source>Street blocks (follow roads)</source>
            <translation>街区（沿道路划分）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="91" />
            <source>15 digits (GB/T 30428.1, DB11/T 2157)</source>
            <translation>15 位（GB/T 30428.1、DB11/T 2157）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/partition.py" line="91" />
            <source>14 digits (CJ/T 213)</source>
            <translation>14 位（CJ/T 213）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="21" />
            <source>Renumber unit grid (stable codes)</source>
            <translation>单元网格重新编码（保持编码稳定）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="24" />
            <source>Gives a redrawn grid the codes of the previous one wherever a new cell overlaps one old cell with an intersection-over-union of at least the threshold (default 0.9) in the same community. Other cells get fresh sequence numbers, never reusing retired ones. The change log lists kept, split, merged, new and retired codes.</source>
            <translation>重绘网格后，凡新网格与某一个原网格在同一社区内的交并比（IoU）不低于阈值（默认 0.9），即沿用原网格的编码；其他网格获得新的顺序码，绝不重用已注销的编码。变更记录列出保留、拆分、合并、新增和注销的编码。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="40" />
            <source>Redrawn grid</source>
            <translation>重绘后的网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="42" />
            <source>Previous grid (with codes)</source>
            <translation>原网格（含编码）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="44" />
            <source>Minimum IoU to keep a code</source>
            <translation>保留原编码的最小交并比（IoU）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="52" />
            <source>Renumbered unit cells</source>
            <translation>重新编码的单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/renumber.py" line="54" />
            <source>Change log</source>
            <translation>变更记录</translation>
        </message>
    </context>
</TS>
