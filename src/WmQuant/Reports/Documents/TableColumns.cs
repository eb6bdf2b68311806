namespace WmQuant.Reports.Documents;

/// <summary>A table's headings and which columns hold numbers (right-aligned in both documents, so digits line up).</summary>
/// <param name="Headings">Column headings, left to right.</param>
/// <param name="NumericIndexes">Indexes of the columns that hold numbers.</param>
internal sealed record TableColumns(string[] Headings, int[] NumericIndexes)
{
    /// <summary>Index of a column holding a pass/fail marker (kept on one line, coloured by its row); -1 for none.</summary>
    public int MarkIndex { get; init; } = -1;

    /// <summary>Whether column <paramref name="index"/> holds numbers.</summary>
    public bool IsNumeric(int index) => NumericIndexes.Contains(index);
}
