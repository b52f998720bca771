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
            <source>Gives a redrawn grid the codes of the previous one wherever a new cell overlaps one old cell with an intersection-over-union of at least the threshold (default 0.9) in the same community. Other cells get fresh sequence numbers, never reusing any code of the previous grid (current or retired). The output keeps the whole history: retired cells and old versions of moved cells stay with valid_to set to the renumber date, so the next renumber never issues their codes again and an audit as of an earlier day sees the grid of that day. The change log lists kept, split, merged, new and retired codes.</source>
            <translation>重绘网格后，凡新网格与某一个原网格在同一社区内的交并比（IoU）不低于阈值（默认 0.9），即沿用原网格的编码；其他网格获得新的顺序码，绝不重用原网格中的任何编码（现行或已注销）。输出保留完整历史：已注销的网格和边界变动网格的旧版本仍留在图层中，valid_to 设为重新编码日期，因此下次重新编码不会再次发放这些编码，按更早日期审计时看到的也是当日的网格。变更记录列出保留、拆分、合并、新增和注销的编码。</translation>
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
        <message>
            <location filename="../plugin/dock.py" line="53" />
            <source>1 · Grid</source>
            <translation>1 · 单元网格</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="53" />
            <source>Partition communities into unit cells with stable 15-digit codes.</source>
            <translation>将社区划分为单元网格，赋予稳定的 15 位编码。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="54" />
            <source>2 · Census</source>
            <translation>2 · 部件普查</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="54" />
            <source>Check, code and geocode city components to their unit cells.</source>
            <translation>检查城市部件、分配编码，并定位到所在单元网格。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="55" />
            <source>3 · Cases</source>
            <translation>3 · 案卷</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="55" />
            <source>Overlay cases on cells, communities, streets and departments.</source>
            <translation>将案卷叠加到单元网格、社区、街道和部门。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="56" />
            <source>4 · Evaluation</source>
            <translation>4 · 综合评价</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="56" />
            <source>Compute indicators and grade scores as colour maps.</source>
            <translation>计算评价指标，按等级分级设色成图。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="57" />
            <source>5 · Audit</source>
            <translation>5 · 边界审计</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="57" />
            <source>Find gaps, overlaps and blind spots in responsibility grids.</source>
            <translation>查找责任网格中的缝隙、重叠和盲区。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="128" />
            <source>Wanmi 万米网格</source>
            <translation>万米网格</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="155" />
            <source>Digital urban management workflow: run the steps from top to bottom. Each button opens a Processing tool filled in with the layers of this project.</source>
            <translation>数字化城市管理工作流程：自上而下依次执行各步骤。每个按钮打开一个处理工具，并自动填入本工程中的相应图层。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="160" />
            <source>Load sample project</source>
            <translation>加载示例工程</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="162" />
            <source>Open the bundled Dongcheng (Beijing) sample data, styled, with its unit grid</source>
            <translation>打开随插件提供的北京市东城区示例数据（已配置样式），含单元网格</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="204" />
            <source>Not available in this version.</source>
            <translation>本版本暂不可用。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="176" />
            <source>More tools</source>
            <translation>更多工具</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="78" />
            <source>Wanmi cell and component codes</source>
            <translation>万米网格：单元网格与部件编码</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="81" />
            <source>Find a unit cell or city component by its code</source>
            <translation>按编码查找单元网格或城市部件</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="42" />
            <source>Wanmi: indexing codes</source>
            <translation>万米网格：正在建立编码索引</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="100" />
            <source>Unit cell</source>
            <translation>单元网格</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="100" />
            <source>City component</source>
            <translation>城市部件</translation>
        </message>
        <message>
            <location filename="../plugin/locator.py" line="101" />
            <source>City components</source>
            <translation>城市部件</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="62" />
            <source>Wanmi workflow panel</source>
            <translation>万米网格工作流程面板</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="101" />
            <source>Loading the sample project…</source>
            <translation>正在加载示例工程……</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="107" />
            <source>The sample unit grid is not available.</source>
            <translation>示例单元网格不可用。</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="106" />
            <source>Sample project loaded: {count} unit cells.</source>
            <translation>示例工程已加载：共 {count} 个单元网格。</translation>
        </message>
        <message>
            <location filename="../plugin/readout.py" line="32" />
            <source>Outside the unit grid</source>
            <translation>不在单元网格范围内</translation>
        </message>
        <message>
            <location filename="../plugin/readout.py" line="35" />
            <source>Cell {code} · {community} · {street}</source>
            <translation>网格 {code} · {community} · {street}</translation>
        </message>
        <message>
            <location filename="../plugin/readout.py" line="49" />
            <source>Wanmi: unit cell, community and street under the cursor</source>
            <translation>万米网格：光标所在的单元网格、社区和街道</translation>
        </message>
        <message>
            <location filename="../plugin/readout.py" line="53" />
            <source>Wanmi: indexing unit cells</source>
            <translation>万米网格：正在建立单元网格索引</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="76" />
            <source>Communities</source>
            <translation>社区</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="76" />
            <source>Streets</source>
            <translation>街道</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="76" />
            <source>District</source>
            <translation>区</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="124" />
            <source>Wanmi sample: Dongcheng, Beijing</source>
            <translation>万米网格示例：北京市东城区</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="166" />
            <source>Wanmi: partitioning the sample district into unit cells</source>
            <translation>万米网格：正在将示例辖区划分为单元网格</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="170" />
            <source>Building the sample unit grid in the background…</source>
            <translation>正在后台生成示例单元网格……</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="154" />
            <source>The Wanmi Processing provider is not loaded: cannot build the sample grid.</source>
            <translation>万米网格处理工具集未加载，无法生成示例网格。</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="175" />
            <source>Building the sample unit grid failed; see the Processing log.</source>
            <translation>生成示例单元网格失败，请查看处理日志。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="21" />
            <source>Assign components to cells</source>
            <translation>部件定位到单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="24" />
            <source>Sets the unit cell, community, street and district code of every component from the cell it stands in (a point on a shared edge belongs to exactly one cell: the one a tiny step to the north-east enters). The second output lists components whose code disagrees with their place: street (12-digit codes) or admin segment (16/17 digits) different from the cell's, recorded cell code different from the located one, or outside every cell.</source>
            <translation>根据每个部件所在的单元网格，为其填写单元网格、社区、街道和区代码（位于公共边上的点只属于一个网格：即向东北方向微移一步后进入的网格）。第二个输出列出编码与位置不符的部件：街道段（12 位编码）或行政区划段（16/17 位编码）与所在网格不一致、记录的网格编码与定位结果不一致，或不在任何网格内。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="33" />
            <source>Components (census layer)</source>
            <translation>部件（普查图层）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="37" />
            <source>Cell code field</source>
            <translation>网格编码字段</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="40" />
            <source>Components with cell codes</source>
            <translation>带网格编码的部件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="42" />
            <source>Code/location disagreements</source>
            <translation>编码与位置不符</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="43" />
            <source>Components outside every cell</source>
            <translation>不在任何网格内的部件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/assign_components.py" line="44" />
            <source>Disagreements</source>
            <translation>不符记录</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="25" />
            <source>Audit grid and responsibility boundaries</source>
            <translation>审计单元网格与责任边界</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="60" />
            <source>Jurisdiction (communities with codes)</source>
            <translation>辖区（含编码的社区面）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="69" />
            <source>Components (points with code and cell_code)</source>
            <translation>部件（含 code 和 cell_code 的点）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="72" />
            <source>Responsibility areas</source>
            <translation>责任网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="74" />
            <source>Responsible party field</source>
            <translation>责任主体字段</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="80" />
            <source>Component code scheme</source>
            <translation>部件编码规则</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="90" />
            <source>Ignore pieces smaller than (m²)</source>
            <translation>忽略小于此面积的碎块（平方米）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="93" />
            <source>Jurisdiction name for the report</source>
            <translation>报告中的辖区名称</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="95" />
            <source>Audit problems</source>
            <translation>审计问题</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="97" />
            <source>Audit problem points (components)</source>
            <translation>审计问题点（部件）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="99" />
            <source>Audit report</source>
            <translation>审计报告</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="81" />
            <source>12 digits (district-local, street segment)</source>
            <translation>12 位（区内编码，含街道段）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="81" />
            <source>16 digits (CJ/T 214)</source>
            <translation>16 位（CJ/T 214）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="82" />
            <source>17 digits (GB/T 47678.5)</source>
            <translation>17 位（GB/T 47678.5）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="25" />
            <source>Coordinates of the records</source>
            <translation>记录的坐标系</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="18" />
            <source>12 digits, district-local (major 2 + minor 2 + street 2 + serial 6)</source>
            <translation>12 位，区内编码（大类 2 + 小类 2 + 街道 2 + 流水号 6）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="19" />
            <source>16 digits (CJ/T 214: admin 6 + major 2 + minor 2 + serial 6)</source>
            <translation>16 位（CJ/T 214：行政区划 6 + 大类 2 + 小类 2 + 流水号 6）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="20" />
            <source>17 digits (GB/T 47678.5: admin 6 + major 2 + minor 3 + serial 6)</source>
            <translation>17 位（GB/T 47678.5：行政区划 6 + 大类 2 + 小类 3 + 流水号 6）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="26" />
            <source>WGS84 (GPS)</source>
            <translation>WGS84（GPS 定位）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="26" />
            <source>CGCS2000</source>
            <translation>CGCS2000（2000 国家大地坐标系）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="26" />
            <source>GCJ-02 (Amap, Tencent)</source>
            <translation>GCJ-02（高德、腾讯）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="35" />
            <source>Compute evaluation scores</source>
            <translation>计算综合评价得分</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="62" />
            <source>Cases (overlaid on the grid, or points)</source>
            <translation>案卷（已叠加到网格，或为点）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="64" />
            <source>Unit cells (for all cells, areas and polygons)</source>
            <translation>单元网格（用于输出全部网格、面积和面）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="70" />
            <source>Evaluate per</source>
            <translation>评价单位</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="74" />
            <source>Period (e.g. 2025-03, 2025-Q1; empty: all)</source>
            <translation>时段（如 2025-03、2025-Q1；留空：全部）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="76" />
            <source>Weights file (JSON or TOML; empty: defaults)</source>
            <translation>权重文件（JSON 或 TOML；留空：使用默认值）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="79" />
            <source>Evaluation scores</source>
            <translation>综合评价得分</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="71" />
            <source>Community</source>
            <translation>社区</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="71" />
            <source>Street</source>
            <translation>街道</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="71" />
            <source>Department</source>
            <translation>部门</translation>
        </message>
        <message>
            <location filename="../processing_scripts/evaluate.py" line="71" />
            <source>Supervisor</source>
            <translation>监督员</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="24" />
            <source>Import cases</source>
            <translation>导入案卷</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="25" />
            <source>Cases</source>
            <translation>案卷</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="27" />
            <source>Imports cases (案卷) from CSV, XLSX or a vector file (GeoPackage, GeoJSON …) into the 'cases' layer of a GeoPackage case store (appended; existing case ids are rejected as duplicates). Headers may be English (case_id, kind, class_code, reported_at …) or Chinese (案卷编号, 案卷类型, 小类代码, 上报时间 …). Locations come from longitude/latitude (WGS84, CGCS2000, GCJ-02 or BD-09) or WKT columns; a case with only a component code is placed at that component of the census layer.
Every record is checked: missing or duplicate id, timestamps out of lifecycle order (上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案), unknown class code (component classes for 部件, event classes for 事件), component code not in the census, location outside the jurisdiction, neither location nor component. Valid records are stored, rejected ones written to the reject CSV with the reason; the store is written atomically, so a failed or canceled import leaves it unchanged.</source>
            <translation>将 CSV、XLSX 或矢量文件（GeoPackage、GeoJSON 等）中的案卷导入 GeoPackage 案卷库的 “cases” 图层（追加写入；已存在的案卷编号作为重复记录拒绝）。表头可以是英文（case_id、kind、class_code、reported_at 等）或中文（案卷编号、案卷类型、小类代码、上报时间等）。位置取自经纬度列（WGS84、CGCS2000、GCJ-02 或 BD-09）或 WKT 列；只有部件编码的案卷定位到普查图层中该部件的位置。
逐条检查每条记录：编号缺失或重复、时间不符合流程顺序（上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案）、小类代码未知（部件案卷用部件小类，事件案卷用事件小类）、部件编码不在普查中、位置超出辖区、既无位置也无部件。有效记录入库，被拒绝的记录连同原因写入拒绝记录 CSV；案卷库以原子方式写入，导入失败或取消时保持不变。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="47" />
            <source>Case records file</source>
            <translation>案卷记录文件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="49" />
            <source>Longitude/easting column (empty: automatic)</source>
            <translation>经度/东坐标列（留空：自动识别）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="51" />
            <source>Latitude/northing column (empty: automatic)</source>
            <translation>纬度/北坐标列（留空：自动识别）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="54" />
            <source>Census components (to place cases by component code)</source>
            <translation>普查部件（按部件编码定位案卷）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="57" />
            <source>Jurisdiction polygons (cases must lie inside)</source>
            <translation>辖区面（案卷必须位于其内）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="60" />
            <source>Store nothing when any record is rejected</source>
            <translation>有任何记录被拒绝时全部不入库</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="62" />
            <source>Case store GeoPackage</source>
            <translation>案卷库 GeoPackage</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="62" />
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage 文件 (*.gpkg)</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="64" />
            <source>Rejected records (CSV)</source>
            <translation>被拒绝的记录（CSV）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="65" />
            <source>Cases stored</source>
            <translation>已入库案卷数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="66" />
            <source>Cases rejected</source>
            <translation>被拒绝案卷数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_cases.py" line="67" />
            <source>Case layer</source>
            <translation>案卷图层</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="24" />
            <source>Import census</source>
            <translation>导入部件普查数据</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="27" />
            <source>Imports component census records (部件普查) from CSV, XLSX, GeoJSON, Shapefile or GeoPackage into a census store: a GeoPackage (default) or a PostGIS schema (give a connection string without password and an authentication configuration, or let PostgreSQL read the password from a service file or .pgpass; the password is never shown). Coordinates may be WGS84, CGCS2000, GCJ-02 (Amap/Tencent) or BD-09 (Baidu) longitude/latitude; columns may use English, Chinese or GB/T 47678.5 names. Every record is validated (code and class, duplicates, same class within 0.5 m, inside the jurisdiction, mandatory fields, dates, status); valid records are stored in one transaction, rejected ones are written to the reject CSV with the reason. A failing import leaves the store unchanged.</source>
            <translation>将 CSV、XLSX、GeoJSON、Shapefile 或 GeoPackage 中的部件普查记录导入普查库：GeoPackage（默认）或 PostGIS 模式（给出不含密码的连接字符串并选择认证配置，或让 PostgreSQL 从服务文件或 .pgpass 读取密码；密码从不显示）。坐标可以是 WGS84、CGCS2000、GCJ-02（高德/腾讯）或 BD-09（百度）经纬度；列名可以用英文、中文或 GB/T 47678.5 的字段名。逐条校验每条记录（编码与类别、重复、0.5 米内同类部件、是否在辖区内、必填字段、日期、状态）；有效记录在一个事务中入库，被拒绝的记录连同原因写入拒绝记录 CSV。导入失败时普查库保持不变。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="43" />
            <source>Census records file</source>
            <translation>普查记录文件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="50" />
            <source>Jurisdiction polygons (records must lie inside)</source>
            <translation>辖区面（记录必须位于其内）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="54" />
            <source>Allocate codes to records that only have a class</source>
            <translation>为只有类别的记录分配编码</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="56" />
            <source>Census GeoPackage</source>
            <translation>普查库 GeoPackage</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="51" />
            <source>PostGIS connection string instead (postgresql://user@host/db, service=…; no password)</source>
            <translation>改用 PostGIS 连接字符串（postgresql://用户@主机/数据库、service=…；不含密码）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="53" />
            <source>Leave the password out: choose an authentication configuration below, or let PostgreSQL read it from a service file or .pgpass. A connection string with a password is refused because QGIS keeps parameters in the Processing log and history.</source>
            <translation>连接字符串中不要写密码：请在下方选择认证配置，或让 PostgreSQL 从服务文件或 .pgpass 读取密码。含密码的连接字符串会被拒绝，因为 QGIS 会把参数保存在处理日志和历史记录中。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="56" />
            <source>PostGIS authentication (user name and password)</source>
            <translation>PostGIS 认证（用户名和密码）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="73" />
            <source>The PostGIS connection string contains a password, which QGIS would keep in the Processing log and history. Remove it and choose an authentication configuration (or use a service file or .pgpass).</source>
            <translation>PostGIS 连接字符串中含有密码，QGIS 会把它保存在处理日志和历史记录中。请删除密码并选择认证配置（或使用服务文件或 .pgpass）。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/census_common.py" line="93" />
            <source>The authentication configuration {id} cannot be used (is it a Basic user name and password one, and is the QGIS authentication database unlocked?)</source>
            <translation>无法使用认证配置 {id}（它是否为“基本”用户名/密码类型？QGIS 认证数据库是否已解锁？）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="59" />
            <source>PostGIS schema</source>
            <translation>PostGIS 模式</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="62" />
            <source>Records stored</source>
            <translation>已入库记录数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="63" />
            <source>Records rejected</source>
            <translation>被拒绝记录数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/import_census.py" line="64" />
            <source>Census layer</source>
            <translation>普查图层</translation>
        </message>
        <message>
            <location filename="../processing_scripts/locate_codes.py" line="22" />
            <source>Locate component codes</source>
            <translation>按编码查找部件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/locate_codes.py" line="25" />
            <source>Finds components by their codes (separate codes with spaces, commas or new lines) and outputs them with their class name, status, department, unit cell and WGS84 longitude/latitude. A code that is not found is reported with the reason (malformed, naming the wrong segment, or not in the census).</source>
            <translation>按编码查找部件（多个编码用空格、逗号或换行分隔），输出其类别名称、状态、部门、所在单元网格和 WGS84 经纬度。未找到的编码会报告原因（格式错误并指出出错的编码段，或不在普查中）。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/locate_codes.py" line="34" />
            <source>Component codes</source>
            <translation>部件编码</translation>
        </message>
        <message>
            <location filename="../processing_scripts/locate_codes.py" line="36" />
            <source>Located components</source>
            <translation>查到的部件</translation>
        </message>
        <message>
            <location filename="../processing_scripts/locate_codes.py" line="38" />
            <source>Codes found</source>
            <translation>找到的编码数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="25" />
            <source>Overlay cases on grid</source>
            <translation>案卷叠加到单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="28" />
            <source>Gives every case (案卷) the unit cell it lies in and that cell's community, street and district (cell_code, community_code 12 digits, street_code 9 digits, district_code; empty outside every cell). A case on a shared cell edge belongs to exactly one cell (documented north-east tie rule). Then counts the cases per unit cell, community, street, district, department or supervisor: all cases, cases that reached each stage (n_registered, n_dispatched … n_closed), per state and per class (bj_&lt;code&gt; 部件, sj_&lt;code&gt; 事件), with cases per hectare for areas.
Period: only cases reported in 2025-03 (month), 2025-Q1, 2025-W10, 2025-03-05 (day), 2025 or 2025-03-01/2025-03-31; empty: all cases.</source>
            <translation>为每条案卷填写其所在的单元网格，以及该网格所属的社区、街道和区（cell_code、12 位 community_code、9 位 street_code、district_code；不在任何网格内则留空）。位于网格公共边上的案卷只属于一个网格（按文档规定的东北方向归属规则）。然后按单元网格、社区、街道、区、部门或监督员统计案卷：全部案卷、到达各环节的案卷（n_registered、n_dispatched … n_closed）、按状态和按小类（bj_&lt;code&gt; 部件，sj_&lt;code&gt; 事件）的数量，区域还给出每公顷案卷数。
时段：只统计上报时间在 2025-03（月）、2025-Q1、2025-W10、2025-03-05（日）、2025 或 2025-03-01/2025-03-31 内的案卷；留空：全部案卷。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="56" />
            <source>Count per</source>
            <translation>统计单位</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="60" />
            <source>Count per class (one column per class code)</source>
            <translation>按小类统计（每个小类代码一列）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="62" />
            <source>Cases with cell codes</source>
            <translation>带网格编码的案卷</translation>
        </message>
        <message>
            <location filename="../processing_scripts/overlay_cases.py" line="64" />
            <source>Case counts</source>
            <translation>案卷统计</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="22" />
            <source>Render score map</source>
            <translation>绘制评价等级图</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="45" />
            <source>Field to map</source>
            <translation>制图字段</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="46" />
            <source>Title (empty: automatic)</source>
            <translation>标题（留空：自动生成）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="48" />
            <source>Classes of numeric fields</source>
            <translation>数值字段分级方法</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="51" />
            <source>Data-source line (empty: automatic)</source>
            <translation>数据来源说明（留空：自动生成）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="52" />
            <source>Also write a PDF</source>
            <translation>同时输出 PDF</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="54" />
            <source>Map image</source>
            <translation>地图图片</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="48" />
            <source>Quantile</source>
            <translation>分位数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/render_map.py" line="48" />
            <source>Jenks natural breaks</source>
            <translation>Jenks 自然断点</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="23" />
            <source>Build responsibility grids</source>
            <translation>生成责任网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="26" />
            <source>Groups unit cells into N responsibility areas (责任网格) for supervisors or departments: every area is contiguous (whole cells joined by shared borders), compact, and the areas are balanced by the chosen workload — cell area, number of components, number of cases, number of cells, or a mix of these (each measure divided by its mean per cell), or a numeric cell field. Areas stay inside one street unless crossing is allowed; N is then shared among the streets in proportion to their workload (D'Hondt rule). Method: recursive bisection of the cell graph, then boundary cells are moved between neighbouring areas while that improves the balance and keeps each area connected.
N = 0 takes the practice reference of about 12 cells, 180,000 m² and 1,400 components per supervisor. The log reports the largest and smallest workload against the mean (max/mean) and the compactness (Polsby–Popper 4πA/P²) of the areas.</source>
            <translation>为监督员或部门把单元网格组合成 N 个责任网格：每个责任网格连续（由共边相接的完整单元网格组成）、形状紧凑，并按所选工作量均衡——网格面积、部件数、案卷数、网格数，或它们的组合（每项除以其网格平均值），或某个数值型网格字段。除非允许跨越，责任网格不跨街道；此时 N 按各街道工作量比例分配（D'Hondt 法则）。方法：对网格邻接图递归二分，再在相邻责任网格之间移动边界网格，只要能改善均衡且保持每个责任网格连通。
N = 0 时采用实践参考值：每名监督员约 12 个网格、180,000 平方米和 1,400 个部件。日志报告最大和最小工作量与平均值之比（max/mean）以及责任网格的紧凑度（Polsby–Popper 4πA/P²）。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="54" />
            <source>Number of areas (0: from the practice reference)</source>
            <translation>责任网格数量（0：按实践参考值）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="57" />
            <source>Workload</source>
            <translation>工作量</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="61" />
            <source>Workload field (overrides the workload choice)</source>
            <translation>工作量字段（优先于上面的工作量选项）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="64" />
            <source>Components (points)</source>
            <translation>部件（点）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="66" />
            <source>Cases (points)</source>
            <translation>案卷（点）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="68" />
            <source>Allow areas to cross street boundaries</source>
            <translation>允许责任网格跨越街道边界</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="70" />
            <source>Balance tolerance (share of the mean workload)</source>
            <translation>均衡容差（占平均工作量的比例）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="75" />
            <source>Unit cells with their area</source>
            <translation>带所属责任网格的单元网格</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="58" />
            <source>Area</source>
            <translation>面积</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="58" />
            <source>Components</source>
            <translation>部件数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="58" />
            <source>Cells</source>
            <translation>网格数</translation>
        </message>
        <message>
            <location filename="../processing_scripts/responsibility.py" line="58" />
            <source>Mix (area, components, cases)</source>
            <translation>综合（面积、部件、案卷）</translation>
        </message>
        <message>
            <location filename="../processing_scripts/validate_census.py" line="20" />
            <source>Validate census</source>
            <translation>校验部件普查数据</translation>
        </message>
        <message>
            <location filename="../processing_scripts/validate_census.py" line="23" />
            <source>Checks census records without storing them: code format and class (the message names the wrong segment), duplicate codes, same class within 0.5 m, outside the jurisdiction, missing mandatory fields, bad dates and statuses. The output holds every record with a problem, with the problem kinds and the reasons, at its location.</source>
            <translation>只检查、不入库的部件普查记录校验：编码格式与类别（提示中指出出错的编码段）、重复编码、0.5 米内同类部件、超出辖区、缺少必填字段、日期和状态错误。输出包含每条有问题的记录及其问题类型和原因，位于记录所在位置。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/validate_census.py" line="38" />
            <source>Records with problems</source>
            <translation>有问题的记录</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="141" />
            <source>Layers are recognised by their fields: unit cells have code and community_code, census layers code, class_code and status, case layers case_id, communities community_code without seq.</source>
            <translation>图层按字段识别：单元网格含 code 和 community_code，部件普查图层含 code、class_code 和 status，案卷图层含 case_id，社区图层含 community_code 但不含 seq。</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" line="239" />
            <source>Project layers — unit cells: {cells}; census: {census}; cases: {cases}; communities: {communities}</source>
            <translation>工程图层 — 单元网格：{cells}；部件普查：{census}；案卷：{cases}；社区：{communities}</translation>
        </message>
        <message>
            <location filename="../plugin/sample.py" line="76" />
            <source>District boundary</source>
            <translation>区界</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="28" />
            <source>Checks that every square metre of the jurisdiction has exactly one unit cell and one responsible party (no blind spots where grids meet, 不同类型网格交界的盲区). Unit cells: gaps and overlaps (with their geometry and area), parts outside the jurisdiction, invalid geometries, slivers, cells crossing a community boundary, malformed or duplicate codes, codes whose district/street/community segments disagree with the community the cell lies in. Components: outside every cell, cell_code or code segments disagreeing with the cell they lie in. Responsibility areas: gaps, overlaps, areas with no responsible party, areas covered by two parties, cells split between areas, areas crossing streets.
Outputs: the problem polygons and the problem points (components), each with type, severity (error/warning), codes, area in m² and a sentence; and optionally a report to file (Markdown or HTML, with a CSV of the same table next to it). Cells and areas with valid_from/valid_to are audited as they stand on the given day (default today): retired and future features are left out.</source>
            <translation>检查辖区内每一平方米是否恰好属于一个单元网格、恰有一个责任主体（不同类型网格交界处不得有盲区）。单元网格：缝隙和重叠（给出几何与面积）、超出辖区的部分、无效几何、碎片、跨社区边界的网格、格式错误或重复的编码、区/街道/社区编码段与网格所在社区不一致。部件：不在任何网格内、cell_code 或编码段与所在网格不一致。责任网格：缝隙、重叠、无责任主体的区域、由两个责任主体同时覆盖的区域、被拆分到多个责任网格的单元网格、跨街道的责任网格。
输出：问题面和问题点（部件），每条记录包含类型、严重程度（错误/警告）、编码、面积（平方米）和说明；还可选择输出报告文件（Markdown 或 HTML，并在旁边附同一表格的 CSV）。带有 valid_from/valid_to 的网格和责任网格按指定日期（默认今天）的状态审计：已注销和尚未生效的要素不参与审计。</translation>
        </message>
        <message>
            <location filename="../processing_scripts/audit.py" line="97" />
            <source>Audit as of (YYYY-MM-DD, empty: today)</source>
            <translation>审计基准日期（YYYY-MM-DD，留空为今天）</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="102" />
            <source>Wanmi</source>
            <translation>万米网格</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="186" />
            <source>Wanmi's tools are switched off so that QGIS cannot crash: {reasons}. Install shapely, pyproj and pyogrio built on the GEOS, PROJ and GDAL of this QGIS — Debian/Ubuntu: run 'make env' in the Wanmi folder (or apt install python3-shapely python3-pyproj python3-pyogrio where they are new enough); Windows: the OSGeo4W installer's python3-shapely, python3-pyproj, python3-pyogrio and python3-geopandas, not pip. See the README section "Inside QGIS".</source>
            <translation>为避免 QGIS 崩溃，万米网格的工具已停用：{reasons}。请安装基于本 QGIS 所用 GEOS、PROJ 和 GDAL 构建的 shapely、pyproj 和 pyogrio —— Debian/Ubuntu：在万米网格目录中运行 “make env”（或在版本足够新的系统上 apt install python3-shapely python3-pyproj python3-pyogrio）；Windows：使用 OSGeo4W 安装程序中的 python3-shapely、python3-pyproj、python3-pyogrio 和 python3-geopandas，不要用 pip。详见 README 的 “Inside QGIS” 一节。</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="177" />
            <source>{binding} uses {family} {found}, QGIS uses {family} {host}</source>
            <translation>{binding} 使用 {family} {found}，而 QGIS 使用 {family} {host}</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="180" />
            <source>{binding} carries its own copy of {family} (a pip wheel)</source>
            <translation>{binding} 自带一份 {family}（pip 二进制包）</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="183" />
            <source>{binding} is not installed</source>
            <translation>未安装 {binding}</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" line="185" />
            <source>{binding} could not be checked</source>
            <translation>无法检查 {binding}</translation>
        </message>
        <message>
            <location filename="../processing_scripts/provider.py" line="116" />
            <source>Wanmi: missing Python package {packages}; these tools are switched off: {tools}. Install it and restart QGIS (Debian/Ubuntu: apt install {system}; Windows: {system} in the OSGeo4W installer; elsewhere: pip install {pip}).</source>
            <translation>Wanmi：缺少 Python 包 {packages}，以下工具已停用：{tools}。请安装后重启 QGIS（Debian/Ubuntu：apt install {system}；Windows：在 OSGeo4W 安装程序中选择 {system}；其他系统：pip install {pip}）。</translation>
        </message>
        <message>
            <location filename="../workflow/convert.py" line="47" />
            <source>A layer (or a CSV/XLSX table with lon/lat columns) in longitude/latitude; layers in metres are refused.</source>
            <translation>经纬度坐标的图层（或带经度/纬度列的 CSV/XLSX 表格）；以米为单位的图层会被拒绝。</translation>
        </message>
        <message>
            <location filename="../workflow/convert.py" line="50" />
            <source>The web map's coordinate system: GCJ-02 for Amap, Tencent and Google China; BD-09 for Baidu.</source>
            <translation>网络地图的坐标系：高德、腾讯和谷歌中国为 GCJ-02，百度为 BD-09。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="114" />
            <source>The unit cells to audit, with their codes.</source>
            <translation>待审计的单元网格（含编码）。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="116" />
            <source>Community polygons with their district, street and community codes: the area every cell and area must cover exactly once.</source>
            <translation>含区、街道和社区代码的社区面：每个单元网格和责任网格都必须恰好覆盖一次的范围。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="121" />
            <source>Component points with their code and cell_code: checked against the cell they lie in.</source>
            <translation>含 code 和 cell_code 的部件点：与其所在的单元网格进行核对。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="124" />
            <source>Responsibility areas with a responsible party field: gaps, overlaps, areas nobody or two parties answer for, cells split between areas.</source>
            <translation>含责任主体字段的责任网格：检查缝隙、重叠、无人负责或由两个责任主体同时负责的区域，以及被拆分到多个责任网格的单元网格。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="128" />
            <source>The field of the responsibility areas naming the responsible party.</source>
            <translation>责任网格中记录责任主体的字段。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="131" />
            <source>The code scheme the cell codes are checked against.</source>
            <translation>核对单元网格编码所依据的编码规则。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="134" />
            <source>The code scheme the component codes are checked against.</source>
            <translation>核对部件编码所依据的编码规则。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="139" />
            <source>The intended cell area, against which slivers are measured.</source>
            <translation>预期的单元网格面积，用于判定碎片。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="142" />
            <source>Cells smaller than this share of the target area are reported as slivers.</source>
            <translation>面积小于目标面积此比例的单元网格报告为碎片。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="145" />
            <source>Gap, overlap and crossing pieces below this area are drawing noise and not reported.</source>
            <translation>面积小于此值的缝隙、重叠和跨界碎块视为绘图误差，不予报告。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="148" />
            <source>The jurisdiction's name in the report (default: the name of the jurisdiction's file or layer).</source>
            <translation>报告中使用的辖区名称（默认：辖区文件或图层的名称）。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="151" />
            <source>Cells and areas are audited as valid on this day: retired and future ones are left out.</source>
            <translation>按此日期有效的单元网格和责任网格进行审计：已注销和尚未生效的不参与审计。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="154" />
            <source>Writes the report as Markdown, HTML and CSV next to each other (whatever the suffix).</source>
            <translation>将报告同时写成并列的 Markdown、HTML 和 CSV 文件（与所给后缀无关）。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="157" />
            <source>For scripts and CI: the command fails (status 1) when the audit finds errors.</source>
            <translation>供脚本和 CI 使用：审计发现错误时命令失败（退出状态 1）。</translation>
        </message>
        <message>
            <location filename="../workflow/audit.py" line="157" />
            <source>Exit with status 1 when errors are found</source>
            <translation>发现错误时以状态 1 退出</translation>
        </message>
        <message>
            <location filename="../workflow/batch.py" line="407" />
            <source>Province batch: partition many districts and assign components on dask</source>
            <translation>全省批处理：在 dask 上划分多个区的单元网格并定位部件</translation>
        </message>
        <message>
            <location filename="../workflow/batch.py" line="407" />
            <source>Partitions the communities of many districts into unit cells and assigns a large set of component points (and optionally cases, which are then evaluated) to them on a dask cluster, district by district, with results identical to the single-machine tools. Writes a folder: per-district results, one GeoParquet per output, a styled GeoPackage and districts.csv. Command line only: it starts a dask cluster and writes a folder of Parquet/GeoPackage files, while Processing runs on a QGIS worker thread.</source>
            <translation>在 dask 集群上逐区将多个区的社区划分为单元网格，并将大批部件点（以及可选的案卷，随后进行综合评价）定位到单元网格，结果与单机工具完全一致。输出一个文件夹：各区的结果、每项输出一个 GeoParquet 文件、一个已配置样式的 GeoPackage 和 districts.csv。仅限命令行使用：它会启动 dask 集群并写出一个包含 Parquet/GeoPackage 文件的文件夹，而处理工具运行在 QGIS 的工作线程上。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="274" />
            <source>Synthetic cases</source>
            <translation>合成案卷</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="274" />
            <source>Generates seeded SYNTHETIC cases (合成案卷, test data, never real cases) over the unit cells and, when given, at census components: a realistic mix of sources, classes, lifecycle timestamps and departments. The store is labelled synthetic (column synthetic = 1 and case_metadata synthetic = 1).</source>
            <translation>按随机种子生成合成案卷（测试数据，绝非真实案卷），分布在单元网格上，如提供普查部件则也落在部件位置：来源、小类、流程各环节时间和部门的组合接近真实。案卷库标记为合成数据（synthetic 列 = 1，case_metadata 中 synthetic = 1）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="94" />
            <source>CSV/XLSX (lon/lat or WKT columns, or component codes) or a vector file (GeoPackage, GeoJSON …) with the case records.</source>
            <translation>包含案卷记录的 CSV/XLSX（经纬度列或 WKT 列，或部件编码）或矢量文件（GeoPackage、GeoJSON 等）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="97" />
            <source>The system the longitudes/latitudes were recorded in: GPS (WGS84), CGCS2000, or a Chinese web map (GCJ-02 for Amap/Tencent, BD-09 for Baidu; converted to WGS84).</source>
            <translation>记录经纬度所用的坐标系：GPS（WGS84）、CGCS2000，或国内网络地图（高德/腾讯为 GCJ-02，百度为 BD-09；会转换为 WGS84）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="102" />
            <source>Column with the longitude (or easting); found by name when empty (lon, lng, 经度 …).</source>
            <translation>经度（或东坐标）所在的列；留空时按列名自动识别（lon、lng、经度等）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="105" />
            <source>Column with the latitude (or northing); found by name when empty (lat, 纬度 …).</source>
            <translation>纬度（或北坐标）所在的列；留空时按列名自动识别（lat、纬度等）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="107" />
            <source>The census layer (部件普查): cases with only a component code are placed at the component, and component codes are checked against it.</source>
            <translation>部件普查图层：只有部件编码的案卷定位到该部件的位置，部件编码也据此核对。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="111" />
            <source>Census to place cases and check component codes: a census GeoPackage store, a PostgreSQL connection string (postgresql://…, service=…) or any vector file. (QGIS picks it as a layer instead: COMPONENTS.)</source>
            <translation>用于定位案卷和核对部件编码的普查数据：普查库 GeoPackage、PostgreSQL 连接字符串（postgresql://…、service=…）或任意矢量文件。（在 QGIS 中改为选择图层：COMPONENTS。）</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="111" />
            <source>Census (store or vector file)</source>
            <translation>部件普查（普查库或矢量文件）</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="116" />
            <source>Polygons the cases must lie in; a case outside every polygon is rejected.</source>
            <translation>案卷必须位于其内的面；不在任何面内的案卷会被拒绝。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="119" />
            <source>All or nothing: a single rejected record stops the import and nothing is stored.</source>
            <translation>全部入库或全部不入库：只要有一条记录被拒绝，就中止导入，不入库任何记录。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="122" />
            <source>The case store (layer 'cases', appended to; created when it does not exist).</source>
            <translation>案卷库（追加写入 “cases” 图层；不存在时新建）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="125" />
            <source>Rejected records with the reason (default: &lt;input&gt;.rejects.csv next to the input).</source>
            <translation>被拒绝的记录及原因（默认：输入文件旁的 &lt;input&gt;.rejects.csv）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="135" />
            <source>XLSX sheet</source>
            <translation>XLSX 工作表</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="137" />
            <source>CSV encoding</source>
            <translation>CSV 编码</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="205" />
            <source>The cases: a case store (layer 'cases', e.g. written by Import cases), or any point layer or lon/lat table of case records.</source>
            <translation>案卷：案卷库（“cases” 图层，例如由“导入案卷”写入），或任意案卷记录点图层或经纬度表格。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="209" />
            <source>The unit cells (e.g. the output of Partition); retired cells of a renumbered grid are left out.</source>
            <translation>单元网格（例如划分单元网格的输出）；重新编码网格中已注销的网格不参与计算。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="213" />
            <source>The field of the unit cells holding the cell code (default: code).</source>
            <translation>单元网格中存放网格编码的字段（默认：code）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="216" />
            <source>Only cases reported in: 2025-03-01, 2025-W10, 2025-03, 2025-Q1, 2025 or 2025-03-01/2025-03-31; empty: all cases.</source>
            <translation>只统计上报时间在以下时段内的案卷：2025-03-01、2025-W10、2025-03、2025-Q1、2025 或 2025-03-01/2025-03-31；留空：全部案卷。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="220" />
            <source>The unit the cases are counted per (cells, communities, streets and districts get their polygons; departments and supervisors a table).</source>
            <translation>统计案卷的单位（单元网格、社区、街道和区输出为面；部门和监督员输出为表格）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="224" />
            <source>One count column per class code (bj_&lt;code&gt; 部件, sj_&lt;code&gt; 事件).</source>
            <translation>每个小类代码一个计数列（bj_&lt;code&gt; 部件，sj_&lt;code&gt; 事件）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="227" />
            <source>Leave out the per-class count columns (bj_&lt;code&gt;, sj_&lt;code&gt;).</source>
            <translation>不输出按小类的计数列（bj_&lt;code&gt;、sj_&lt;code&gt;）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="227" />
            <source>No per-class count columns</source>
            <translation>不按小类计数</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="288" />
            <source>The unit cells the cases are placed in (e.g. the output of partition).</source>
            <translation>放置案卷的单元网格（例如划分单元网格的输出）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="291" />
            <source>Census GeoPackage store, PostgreSQL connection string or vector file: component cases are placed at its components (optional).</source>
            <translation>普查库 GeoPackage、PostgreSQL 连接字符串或矢量文件：部件案卷定位到其中的部件位置（可选）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="294" />
            <source>How many cases to generate (default 10000).</source>
            <translation>生成的案卷数量（默认 10000）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="294" />
            <source>Number of cases</source>
            <translation>案卷数量</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="296" />
            <source>First report date (default 2025-01-01).</source>
            <translation>最早上报日期（默认 2025-01-01）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="296" />
            <source>First report date</source>
            <translation>最早上报日期</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="298" />
            <source>End of the period, exclusive (default 2025-07-01).</source>
            <translation>时段结束日期，不含当日（默认 2025-07-01）。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="298" />
            <source>End of the period (exclusive)</source>
            <translation>时段结束日期（不含当日）</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="300" />
            <source>Seed of the generator: the same seed gives the same cases.</source>
            <translation>生成器的随机种子：相同的种子生成相同的案卷。</translation>
        </message>
        <message>
            <location filename="../workflow/cases.py" line="300" />
            <source>Random seed</source>
            <translation>随机种子</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="46" />
            <source>CSV, XLSX, GeoJSON, Shapefile or GeoPackage of census records; columns may use English, Chinese or GB/T 47678.5 names.</source>
            <translation>部件普查记录的 CSV、XLSX、GeoJSON、Shapefile 或 GeoPackage 文件；列名可以用英文、中文或 GB/T 47678.5 的字段名。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="49" />
            <source>What the longitudes/latitudes are: GPS (WGS84), CGCS2000, or a Chinese web map's shifted coordinates (GCJ-02 for Amap/Tencent, BD-09 for Baidu), which are converted back on reading.</source>
            <translation>经纬度所用的坐标系：GPS（WGS84）、CGCS2000，或国内网络地图的偏移坐标（高德/腾讯为 GCJ-02，百度为 BD-09），读取时会纠偏还原。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="53" />
            <source>Column of a table with the longitude or easting; found by name (lon, lng, 经度 …) when empty.</source>
            <translation>表格中经度或东坐标所在的列；留空时按列名自动识别（lon、lng、经度等）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="56" />
            <source>Column of a table with the latitude or northing; found by name (lat, 纬度 …) when empty.</source>
            <translation>表格中纬度或北坐标所在的列；留空时按列名自动识别（lat、纬度等）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="59" />
            <source>Polygons of the jurisdiction; a record outside all of them is a problem (outside_jurisdiction).</source>
            <translation>辖区面；不在任何辖区面内的记录视为问题（outside_jurisdiction）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="62" />
            <source>The layer to read from a multi-layer file such as a GeoPackage (default: its first layer).</source>
            <translation>从 GeoPackage 等多图层文件中读取的图层（默认：第一个图层）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="62" />
            <source>Layer inside the records file</source>
            <translation>记录文件中的图层</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="67" />
            <source>Text encoding of a CSV file, e.g. gbk (default: UTF-8, then GB18030).</source>
            <translation>CSV 文件的文本编码，如 gbk（默认：先尝试 UTF-8，再尝试 GB18030）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="69" />
            <source>For records with eastings/northings, or a file whose CRS is wrong: the EPSG CRS their coordinates are in (e.g. EPSG:4548); replaces the coordinate choice.</source>
            <translation>适用于使用东/北坐标的记录，或坐标系有误的文件：指定其坐标所用的 EPSG 坐标系（如 EPSG:4548）；将替代上面的坐标系选项。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="69" />
            <source>CRS of projected coordinates (instead of the choice above)</source>
            <translation>投影坐标的坐标系（替代上面的选项）</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="73" />
            <source>Components of the same class closer than this many metres are taken for one recorded twice (default 0.5).</source>
            <translation>同类部件间距小于此米数时，视为同一部件被重复记录（默认 0.5）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="73" />
            <source>Minimum spacing of same-class components (m)</source>
            <translation>同类部件最小间距（米）</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="351" />
            <source>Census store</source>
            <translation>普查库</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="293" />
            <source>Records with a class code but no component code get the next free codes of the store.</source>
            <translation>有小类代码但无部件编码的记录，按普查库中下一个可用编码依次分配。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="297" />
            <source>The rejected records with their reasons, written with the import (default: &lt;records file&gt;.rejects.csv); fixed, it re-imports like a first import.</source>
            <translation>被拒绝的记录及原因，随导入一并写出（默认：&lt;records file&gt;.rejects.csv）；修正后可像首次导入一样重新导入。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="302" />
            <source>Street (12-digit codes) or administrative (16/17 digits) code for allocated codes (default: from each record's cell code).</source>
            <translation>分配编码所用的街道代码（12 位编码）或行政区划代码（16/17 位编码）（默认：取自每条记录的网格编码）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="302" />
            <source>Area code of allocated codes</source>
            <translation>分配编码的区划代码</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="305" />
            <source>Storage CRS when the store is created (default EPSG:4490, CGCS2000); an existing store keeps its own.</source>
            <translation>新建普查库时的存储坐标系（默认 EPSG:4490，CGCS2000）；已有普查库保持其原坐标系。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="305" />
            <source>CRS of a new store</source>
            <translation>新普查库的坐标系</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="332" />
            <source>A CSV with one row per problem: record, code, field, problem kind and message.</source>
            <translation>每个问题一行的 CSV：记录、编码、字段、问题类型和说明。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="332" />
            <source>Problems, one row each (CSV)</source>
            <translation>问题清单，每个问题一行（CSV）</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="369" />
            <source>The unit cells (e.g. the output of the grid partition).</source>
            <translation>单元网格（例如划分单元网格的输出）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="371" />
            <source>The field of the unit cells with their codes (default code).</source>
            <translation>单元网格中存放编码的字段（默认 code）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="376" />
            <source>A CSV of the components whose code disagrees with their place.</source>
            <translation>编码与所在位置不符的部件清单（CSV）。</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="376" />
            <source>Code/location disagreements (CSV)</source>
            <translation>编码与位置不符（CSV）</translation>
        </message>
        <message>
            <location filename="../workflow/census.py" line="403" />
            <source>The codes to look up, separated by spaces, commas or new lines.</source>
            <translation>要查找的编码，用空格、逗号或换行分隔。</translation>
        </message>
        <message>
            <location filename="../workflow/demo.py" line="212" />
            <source>Run the Wanmi demo on the bundled sample data</source>
            <translation>用随附示例数据运行万米网格演示</translation>
        </message>
        <message>
            <location filename="../workflow/demo.py" line="212" />
            <source>Runs the whole workflow on the bundled sample data — unit grids of Dongcheng (regular) and Helsinki (street blocks), the Helsinki component census, synthetic cases, the evaluation with its maps, responsibility areas and the boundary audit — and writes every result, styled, into one folder. Command line only: it writes a folder of many files (make demo).</source>
            <translation>用随附的示例数据运行完整工作流程——东城区（规则格网）和赫尔辛基（街区法）的单元网格、赫尔辛基部件普查、合成案卷、综合评价及其地图、责任网格和边界审计——并将所有结果（已配置样式）写入同一个文件夹。仅限命令行使用：它会写出一个包含许多文件的文件夹（make demo）。</translation>
        </message>
        <message>
            <location filename="../workflow/demo.py" line="225" />
            <source>folder the demo writes its GeoPackages, maps and reports into (default demo_output)</source>
            <translation>演示写出 GeoPackage、地图和报告的文件夹（默认 demo_output）</translation>
        </message>
        <message>
            <location filename="../workflow/demo.py" line="225" />
            <source>Output folder</source>
            <translation>输出文件夹</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="78" />
            <source>Computes the evaluation indicators of a case table over a period (立案数, 应结案数, 结案数, 结案率, 按期结案率, 按期处置率, 返工率, 超期率, 有效上报率, 按时核查率, 问题发生密度) per unit cell, community, street, district, department or supervisor, and the composite score (综合指标值, 0–100) with its grade (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below). Regions use the region weights, departments and supervisors their own. Rates of communities and streets are recomputed from summed cell counts. Units without cases, or without cases due in the period, get the grade 无数据 (no data), never a zero score.
Cases need a cell_code (overlay them on the grid first) or point locations plus the unit cells. With the cells every cell (or community/street) is in the output with its polygon. Weights, bands and grade thresholds can be given as a JSON or TOML file (see core/data/evaluation_default.json).
Period: 2025-03 (month), 2025-Q1, 2025, 2025-W10, 2025-03-05 (day) or 2025-03-01/2025-03-15; empty: all cases.
Evaluate the overlay of all cases, not one filtered by report date: a case reported in February can be due, disposed or closed in March.</source>
            <translation>按单元网格、社区、街道、区、部门或监督员，计算案卷表在某一时段内的评价指标（立案数、应结案数、结案数、结案率、按期结案率、按期处置率、返工率、超期率、有效上报率、按时核查率、问题发生密度），以及综合指标值（0–100）及其等级（A ≥ 90，B ≥ 75，C ≥ 60，D ≥ 40，其余为 E）。区域使用区域权重，部门和监督员使用各自的权重。社区和街道的各项比率由网格计数汇总后重新计算。没有案卷或该时段内没有应结案卷的单位，等级为“无数据”，绝不记为零分。
案卷需要有 cell_code（先将案卷叠加到网格）或点位，同时提供单元网格。提供单元网格时，每个网格（或社区/街道）都会连同其面输出。权重、分档和等级阈值可以用 JSON 或 TOML 文件给出（见 core/data/evaluation_default.json）。
时段：2025-03（月）、2025-Q1、2025、2025-W10、2025-03-05（日）或 2025-03-01/2025-03-15；留空：全部案卷。
评价应针对全部案卷的叠加结果，而不是按上报日期筛选后的结果：二月上报的案卷可能在三月到期、处置或结案。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="98" />
            <source>Cases with a cell_code (the overlay of all cases on the grid), or case points to place in the unit cells; a case store's cases layer is read by default.</source>
            <translation>带 cell_code 的案卷（全部案卷叠加到网格的结果），或需要定位到单元网格的案卷点；默认读取案卷库的 cases 图层。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="102" />
            <source>The unit grid: every cell (or community/street) is in the output, with its area, density and polygon; without it only units with cases are listed, as a table.</source>
            <translation>单元网格：每个网格（或社区/街道）都连同其面积、密度和面输出；不提供时只以表格列出有案卷的单位。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="106" />
            <source>The field of the unit cells that holds the cell code (default code).</source>
            <translation>单元网格中存放网格编码的字段（默认 code）。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="109" />
            <source>The evaluated unit: cells, communities, streets and districts are regions (with the cells: polygons); departments and supervisors give a table.</source>
            <translation>评价单位：单元网格、社区、街道和区属于区域评价（提供单元网格时输出为面）；部门和监督员输出为表格。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="113" />
            <source>2025-03, 2025-Q1, 2025, 2025-W10, 2025-03-05 or 2025-03-01/2025-03-15; empty: all cases.</source>
            <translation>2025-03、2025-Q1、2025、2025-W10、2025-03-05 或 2025-03-01/2025-03-15；留空：全部案卷。</translation>
        </message>
        <message>
            <location filename="../workflow/evaluate.py" line="116" />
            <source>Weights, count-to-score bands and grade thresholds overriding the defaults (core/data/evaluation_default.json).</source>
            <translation>替代默认值的权重、计数–得分分档和等级阈值（core/data/evaluation_default.json）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="29" />
            <source>The field holding the 6-digit district (county) code (default district_code).</source>
            <translation>存放 6 位区（县）代码的字段（默认 district_code）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="32" />
            <source>The field holding the street (township) code: 3 digits, or 9 with the district's (default street_code).</source>
            <translation>存放街道（乡镇）代码的字段：3 位，或连同区代码共 9 位（默认 street_code）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="36" />
            <source>The field holding the community code: 3 digits, or 12 with the district's and street's (default community_code).</source>
            <translation>存放社区代码的字段：3 位，或连同区和街道代码共 12 位（默认 community_code）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="142" />
            <source>Community polygons with district/street/community codes, or one district polygon.</source>
            <translation>含区/街道/社区代码的社区面，或单个区面。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="146" />
            <source>Regular: squares of the target area clipped to the communities. Street blocks: the communities split along the road and river lines.</source>
            <translation>规则格网：目标面积的正方形按社区裁剪。街区：沿道路和河流线切分社区。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="150" />
            <source>Road and river centre lines that bound the street blocks (needed by the street-block method).</source>
            <translation>构成街区边界的道路和河流中心线（街区法必需）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="154" />
            <source>The area each cell should have, in m² (default 10000: 万米).</source>
            <translation>每个单元网格的目标面积，单位平方米（默认 10000，即万米）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="156" />
            <source>Cells smaller than this share of the target area are merged into a neighbour in the same community (default 0.3).</source>
            <translation>面积小于目标面积此比例的网格并入同一社区内的相邻网格（默认 0.3）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="160" />
            <source>The metric CRS to work in (default: chosen automatically, e.g. EPSG:4548, CGCS2000 3-degree Gauss–Krüger).</source>
            <translation>计算所用的米制坐标系（默认：自动选择，如 EPSG:4548，CGCS2000 3 度带高斯-克吕格投影）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="163" />
            <source>The cell code layout: 15 digits (GB/T 30428.1, DB11/T 2157) or 14 digits (CJ/T 213).</source>
            <translation>网格编码结构：15 位（GB/T 30428.1、DB11/T 2157）或 14 位（CJ/T 213）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="166" />
            <source>The date the cells take effect (YYYY-MM-DD; default today).</source>
            <translation>单元网格的生效日期（YYYY-MM-DD；默认今天）。</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="171" />
            <source>Partition problems</source>
            <translation>划分问题</translation>
        </message>
        <message>
            <location filename="../workflow/partition.py" line="173" />
            <source>Oversize cells</source>
            <translation>超大网格</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="48" />
            <source>Draws a static map (PNG, optionally also PDF) of an evaluation score layer, as made by Compute evaluation scores: the grade field in the five fixed grade colours with grey for no data (无数据), or a numeric field (counts, density, rates) in ColorBrewer YlOrRd classes (quantile or Jenks). The map has a title, a legend with the class bounds and the number of units per class, a scale bar, a north arrow and a data-source line; Chinese text needs a CJK font (e.g. Noto Sans CJK SC, Debian fonts-noto-cjk). A table without geometry (departments, supervisors) is drawn as a ranking bar chart of the score (or of the numeric field chosen).</source>
            <translation>为“计算综合评价得分”生成的评价得分图层绘制静态地图（PNG，可同时输出 PDF）：等级字段使用固定的五级等级颜色，无数据显示为灰色；或将数值字段（数量、密度、比率）按 ColorBrewer YlOrRd 分级（分位数或 Jenks 自然断点）。地图包含标题、列出各级界限和每级单位数的图例、比例尺、指北针和数据来源说明；中文需要 CJK 字体（如 Noto Sans CJK SC，Debian 软件包 fonts-noto-cjk）。没有几何的表格（部门、监督员）绘制为得分（或所选数值字段）的排名条形图。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="64" />
            <source>An evaluation result: polygons give a map; a department or supervisor table gives a ranking chart. The scores layer is read by default.</source>
            <translation>综合评价结果：面图层绘制为地图；部门或监督员表格绘制为排名图。默认读取评价得分图层。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="68" />
            <source>grade (default), score, density or any numeric field; numeric fields are classed.</source>
            <translation>grade（默认）、score、density 或任意数值字段；数值字段会分级显示。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="71" />
            <source>The map title; empty: the evaluated level and period.</source>
            <translation>地图标题；留空：使用评价层级和时段。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="73" />
            <source>How a numeric field is classed: quantiles (equal counts) or Jenks natural breaks.</source>
            <translation>数值字段的分级方法：分位数（每级数量相等）或 Jenks 自然断点。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="77" />
            <source>The data-source line under the map; empty: Wanmi, the period and the number of units (and a synthetic-data notice where the cases were generated).</source>
            <translation>地图下方的数据来源说明；留空：显示万米网格、时段和单位数（案卷为生成数据时另加合成数据提示）。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="80" />
            <source>Also write the map as a PDF next to the image (same name, .pdf).</source>
            <translation>同时在图片旁输出 PDF 格式的地图（同名，后缀 .pdf）。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="82" />
            <source>Classes of a numeric field, 3 to 7 (default 5); grades always have their own five.</source>
            <translation>数值字段的分级数，3 到 7（默认 5）；等级字段始终使用固定的五级。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="82" />
            <source>Number of classes</source>
            <translation>分级数</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="85" />
            <source>Dots per inch of a PNG image (default 200).</source>
            <translation>PNG 图片的每英寸点数（默认 200）。</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="85" />
            <source>Resolution (dpi)</source>
            <translation>分辨率（dpi）</translation>
        </message>
        <message>
            <location filename="../workflow/render.py" line="87" />
            <source>The image file: .png, .pdf or .svg (another suffix becomes .png).</source>
            <translation>图片文件：.png、.pdf 或 .svg（其他后缀一律改为 .png）。</translation>
        </message>
        <message>
            <location filename="../workflow/renumber.py" line="53" />
            <source>The redrawn grid with district/street/community codes (e.g. a new wanmi partition).</source>
            <translation>含区/街道/社区代码的重绘网格（例如新一次万米网格划分的结果）。</translation>
        </message>
        <message>
            <location filename="../workflow/renumber.py" line="56" />
            <source>The previous grid with its codes and its history (retired rows with valid_to), whose codes are carried over and never issued again.</source>
            <translation>含编码及历史记录（带 valid_to 的已注销记录）的原网格；其编码会被沿用，且绝不重复发放。</translation>
        </message>
        <message>
            <location filename="../workflow/renumber.py" line="60" />
            <source>A new cell keeps an old code when their intersection over union is at least this (0.5–1, default 0.9).</source>
            <translation>新网格与原网格的交并比（IoU）不低于此值时沿用原编码（0.5–1，默认 0.9）。</translation>
        </message>
        <message>
            <location filename="../workflow/renumber.py" line="67" />
            <source>The renumber date: new codes start and retired ones end on it (YYYY-MM-DD; default today).</source>
            <translation>重新编码日期：新编码自该日起生效，注销的编码于该日失效（YYYY-MM-DD；默认今天）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="86" />
            <source>The unit cells to group (e.g. the output of the partition), with street_code to keep areas inside streets.</source>
            <translation>待组合的单元网格（例如划分单元网格的输出），含 street_code 以使责任网格不跨街道。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="90" />
            <source>How many areas to make; 0 follows the practice reference (one supervisor ≈ 12 cells, 180,000 m², 1,400 components).</source>
            <translation>生成的责任网格数量；0 表示按实践参考值（每名监督员约 12 个网格、180,000 平方米、1,400 个部件）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="94" />
            <source>What the areas are balanced by: cell area, components or cases counted per cell, the number of cells, or a mix of these (each measure divided by its mean per cell).</source>
            <translation>责任网格均衡所依据的工作量：网格面积、按网格统计的部件数或案卷数、网格数，或它们的组合（每项除以其网格平均值）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="99" />
            <source>A numeric cell field whose values are the workload; it takes the place of the workload choice.</source>
            <translation>以其值作为工作量的数值型网格字段；将替代上面的工作量选项。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="102" />
            <source>area, components, cases, cells, mix, or the name of a numeric cell field (default area).</source>
            <translation>area、components、cases、cells、mix，或数值型网格字段的名称（默认 area）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="104" />
            <source>Weights of the mix workload, e.g. area=1,components=2 (each measure is first divided by its mean per cell); empty: area, components and cases count alike.</source>
            <translation>综合工作量的权重，如 area=1,components=2（每项先除以其网格平均值）；留空：面积、部件和案卷权重相同。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="104" />
            <source>Mix weights</source>
            <translation>综合权重</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="107" />
            <source>Component points, counted per cell for the components and mix workloads.</source>
            <translation>部件点，按网格统计，用于部件数和综合工作量。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="110" />
            <source>Case points, counted per cell for the cases and mix workloads.</source>
            <translation>案卷点，按网格统计，用于案卷数和综合工作量。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="113" />
            <source>Let areas span street boundaries; by default every area stays inside one street.</source>
            <translation>允许责任网格跨越街道边界；默认每个责任网格都位于同一街道内。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="116" />
            <source>Refinement stops once every area's workload is within this share of the mean (0.02 = 2%).</source>
            <translation>当每个责任网格的工作量与平均值之差都在此比例以内时停止优化（0.02 = 2%）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="119" />
            <source>The responsible parties in area-code order, one per area: a comma-separated list or a text file with one per line (empty: left to be filled in; the audit reports areas without one).</source>
            <translation>按责任网格编码顺序排列的责任主体，每个责任网格一个：逗号分隔的列表，或每行一个的文本文件（留空：留待填写；审计会报告无责任主体的责任网格）。</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="119" />
            <source>Responsible parties</source>
            <translation>责任主体</translation>
        </message>
        <message>
            <location filename="../workflow/responsibility.py" line="129" />
            <source>Areas per street</source>
            <translation>各街道责任网格数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Number of unit cells</source>
            <translation>单元网格数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Number of current cells</source>
            <translation>现行网格数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Number of closed rows (history)</source>
            <translation>已关闭的历史记录数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Features converted</source>
            <translation>已转换要素数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Code scheme of a new store (an existing store keeps the scheme it was created with).</source>
            <translation>新普查库的编码规则（已有普查库保持创建时的编码规则）。</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>A GeoPackage, created when missing (in QGIS a PostGIS connection can be chosen below); on the command line also a PostgreSQL connection string (postgresql://user@host/db, 'host=… dbname=…' or service=…): leave the password to ~/.pgpass, PGPASSFILE, the service file or PGPASSWORD (it is never shown).</source>
            <translation>GeoPackage 文件，不存在时新建（在 QGIS 中可在下方选择 PostGIS 连接）；在命令行中也可以是 PostgreSQL 连接字符串（postgresql://user@host/db、'host=… dbname=…' 或 service=…）：密码交由 ~/.pgpass、PGPASSFILE、服务文件或 PGPASSWORD 提供（密码从不显示）。</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>The code scheme the records' codes follow.</source>
            <translation>记录中编码所遵循的编码规则。</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>The census layer (components with their codes), e.g. the layer a census import added.</source>
            <translation>部件普查图层（含编码的部件），例如导入部件普查数据时添加的图层。</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>The code scheme of the census layer's codes (a store records its own).</source>
            <translation>普查图层中编码所用的编码规则（普查库自行记录其编码规则）。</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Cases inside the cells</source>
            <translation>位于网格内的案卷数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Evaluated units</source>
            <translation>参评单位数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Units without data</source>
            <translation>无数据单位数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Number of areas</source>
            <translation>责任网格数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Largest workload / mean</source>
            <translation>最大工作量 / 平均值</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Mean compactness</source>
            <translation>平均紧凑度</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Errors</source>
            <translation>错误数</translation>
        </message>
        <message>
            <location filename="../workflow/__init__.py" line="1" />
            <source>Warnings</source>
            <translation>警告数</translation>
        </message>
        <message>
            <location filename="../workflow/records.py" line="19" />
            <source>Name or number (0: the first) of the XLSX sheet with the records (default: the first sheet).</source>
            <translation>记录所在 XLSX 工作表的名称或序号（0 为第一个；默认：第一个工作表）。</translation>
        </message>
    </context>
</TS>
