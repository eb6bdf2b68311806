namespace WmQuant.Reports.Model;

/// <summary>One quantization setting's success rate on the success-vs-bits plot.</summary>
/// <param name="Label">Setting name (e.g. "W4 g128 RTN").</param>
/// <param name="Bits">Weight bits (x axis).</param>
/// <param name="Success">Success rate (y axis).</param>
/// <param name="Lower">Lower end of the success-rate interval (error bar).</param>
/// <param name="Upper">Upper end of the success-rate interval (error bar).</param>
/// <param name="Group">Series the point belongs to (e.g. "channel", "g128"); points of one group are joined by a line.</param>
public sealed record SuccessBitsPoint(string Label, double Bits, double Success, double Lower, double Upper, string Group);
