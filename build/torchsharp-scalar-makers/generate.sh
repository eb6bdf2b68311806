#!/usr/bin/env bash
# Regenerates src/WmQuant.Analyzers/TorchSharpScalarMakers.txt: the TorchSharp members that make a Scalar nothing
# disposes, inside themselves or inside a TorchSharp member they call (README.md here says why it matters).
#   bash build/torchsharp-scalar-makers/generate.sh PATH/TO/TorchSharp   (a checkout of the version the repo uses)
# Needs the network only to have fetched that checkout; TorchSharp's own build (which downloads libtorch) is not run:
# its C# sources are compiled alone, with ScalarMakerScan.cs as an analyzer.
set -euo pipefail
source=${1:?usage: generate.sh PATH/TO/TorchSharp (git clone of github.com/dotnet/TorchSharp at the packaged version)}
source=$(cd "$source" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/src/WmQuant.Analyzers/TorchSharpScalarMakers.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build "$here/ScalarMakerScan.csproj" -c Release -o "$work/scan" >/dev/null
version=$(grep -m1 -oE '^# NuGet Version [0-9.]+' "$source/RELEASENOTES.md" | awk '{print $4}')
cat > "$work/TorchSharpSource.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <Nullable>enable</Nullable>
    <LangVersion>latest</LangVersion>
    <NoWarn>\$(NoWarn);CS1591;CS0618;CS8600;CS8602;CS8603;CS8604;CS8618;CS8625</NoWarn>
    <DefineConstants>\$(DefineConstants);LIBTORCH_2_10_0_0;CUDA_12_8</DefineConstants>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include="$source/src/TorchSharp/**/*.cs" />
    <Analyzer Include="$work/scan/ScalarMakerScan.dll" />
    <PackageReference Include="Google.Protobuf" Version="3.36.2" />
    <PackageReference Include="SkiaSharp" Version="3.119.4" />
    <PackageReference Include="SharpZipLib" Version="1.4.2" />
  </ItemGroup>
</Project>
EOF
# A few files do not compile outside TorchSharp's build (ambiguous extension methods); every other member is scanned.
dotnet build "$work/TorchSharpSource.csproj" -c Release --no-incremental 2>&1 | grep -E "warning SMS[12]" | sort -u > "$work/scan.txt" || true
python3 - "$work/scan.txt" "$out" "$version" <<'PY'
import collections, re, sys
scan, out, version = sys.argv[1:4]
makers, calls = set(), collections.defaultdict(set)
for line in open(scan, encoding="utf-8"):
    m = re.search(r"warning SMS1: MAKER (.*) \[", line)
    if m:
        makers.add(m.group(1))
        continue
    m = re.search(r"warning SMS2: EDGE (.*) -> (.*) \[", line)
    if m:
        calls[m.group(1)].add(m.group(2))
# A member makes a Scalar if it does so itself or calls a member that does (fixed point over the call graph).
tainted = set(makers)
while True:
    more = {caller for caller, callees in calls.items() if caller not in tainted and callees & tainted}
    if not more:
        break
    tainted |= more
with open(out, "w", encoding="utf-8") as f:
    f.write(f"""# TorchSharp {version} members that make a native Scalar nothing disposes: a number turned into a Scalar, or a tensor
# operator with a number, inside the member or inside a TorchSharp member it calls. Found by compiling TorchSharp's
# C# source with a Roslyn analyzer that reports those conversions and operators, then closing over the calls between
# TorchSharp's own members (build/torchsharp-scalar-makers/). Used by the WQA0001 analyzer; regenerate on an upgrade.
""")
    f.writelines(name + "\n" for name in sorted(tainted))
print(f"{len(tainted)} members ({len(makers)} make a Scalar themselves) -> {out}")
PY
